/** The public surface of the tools side: everything other layers may import comes through here. */

export {
  assertRenderRequest,
  type BackendDescription,
  type ImageBackend,
  type ImageFormat,
  type ImageMime,
  type RenderedImage,
  type RenderRequest,
} from './backend.ts';
export {
  type BatchItem,
  type BatchItemResult,
  type BatchOptions,
  type BatchProgress,
  DEFAULT_RENDER_CONCURRENCY,
  renderBatch,
} from './batch.ts';
export { DiskOutputStore } from './disk-output-store.ts';
export {
  failureOf,
  isProviderError,
  ProviderError,
  type ProviderFailure,
  type RenderFailure,
} from './errors.ts';
export { formatOfMime, MIME_OF, sniffFormat } from './image-format.ts';
export * from './limits.ts';
export { baseSize, createLocalRenderer, LOCAL_BACKEND_ID } from './local-renderer.ts';
export { MemoryOutputStore } from './memory-output-store.ts';
export {
  createOpenAICompatibleBackend,
  OPENAI_BACKEND_ID,
  OPENAI_DEFAULTS,
  type OpenAICompatibleOptions,
} from './openai-backend.ts';
export { OutputIdError, type OutputStore, type StoredImage } from './output-store.ts';
export {
  buildToolRegistry,
  IMAGE_TOOL_ID,
  type ImageOperation,
  type OperationInfo,
  type ToolInfo,
  type ToolRegistry,
} from './registry.ts';
export { randomSeed } from './seed.ts';
