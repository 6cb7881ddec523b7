// picomatch ships no types; this covers the part of its API doublestar.ts uses.
declare module 'picomatch/posix.js' {
  interface PicomatchOptions {
    dot?: boolean;
    nonegate?: boolean;
    strictBrackets?: boolean;
  }
  export default function picomatch(glob: string, options?: PicomatchOptions): (input: string) => boolean;
}
