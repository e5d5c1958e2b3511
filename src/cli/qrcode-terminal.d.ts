// qrcode-terminal 0.12 ships no types; this is the one call esp-prov makes.
declare module 'qrcode-terminal' {
  export function generate(input: string, options: { small?: boolean }, callback: (output: string) => void): void;
}
