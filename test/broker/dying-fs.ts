// A process that dies at a chosen file-system call: until arm(n), calls pass through; the n-th
// call after it and every later one never return (a dead process's calls), and onDeath runs
// once, so the test can cut the simulated node's power right there (world.crash). Calls on file
// handles (write, sync, close) count as well as calls on the file system.
import type { FileSystem } from "../../runtime/types.ts";

export function dyingFs(fs: FileSystem, onDeath: () => void) {
  let left = Number.POSITIVE_INFINITY;
  let dead = false;
  let calls = 0;
  const dying = <T extends object>(object: T, handles: boolean): T =>
    new Proxy(object, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          calls++;
          if (!dead && left-- <= 0) {
            dead = true;
            onDeath();
          }
          // A dead process's calls never return.
          if (dead) return new Promise(() => {});
          const result = (value as (...a: unknown[]) => unknown).apply(target, args);
          if (!handles || prop !== "open") return result;
          return (result as Promise<object>).then((handle) => dying(handle, false));
        };
      },
    });
  return {
    fs: dying(fs, true),
    arm: (ops: number) => {
      left = ops;
      calls = 0;
    },
    calls: () => calls,
  };
}
