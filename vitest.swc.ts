// SWC for Vitest, shared by the main and the reliability configs: compiles TypeScript with the
// decorator metadata Nest and TypeORM need (Nest's documented recipe).
import swc from 'unplugin-swc';

export const swcPlugin = () =>
  swc.vite({
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'es6' },
  });
