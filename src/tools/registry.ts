/**
 * The tool registry: what the catalog offers, as tools and operations with their
 * parameters and prices, built once from config. Operators add tools and operations in
 * config/catalog.json; nothing here or in the ledger changes. Image operations resolve to
 * the exact pixel size they promise, checked at build so a bad config fails at start, not
 * mid-batch with credits held.
 */
import { type Catalog, CatalogError, defaultCatalog } from '../core/index.ts';
import { MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE } from './limits.ts';

/** The tool whose operations this folder can render. */
export const IMAGE_TOOL_ID = 'image.generate';

export interface OperationInfo {
  id: string;
  name: string;
  params: Readonly<Record<string, string | number>>;
  /** Whole credits, fixed before work starts. */
  credits: number;
}

export interface ToolInfo {
  id: string;
  name: string;
  operations: readonly OperationInfo[];
}

/** An operation of `image.generate`, resolved to what a backend must produce. */
export interface ImageOperation {
  tool: string;
  operation: string;
  name: string;
  credits: number;
  width: number;
  height: number;
}

export interface ToolRegistry {
  /** Every tool in catalog order, shaped as `GET /v1/catalog` lists them. */
  readonly tools: readonly ToolInfo[];
  readonly imageOperations: readonly ImageOperation[];
  operation(toolId: string, operationId: string): OperationInfo | undefined;
  /** An `image.generate` operation by id (`720p`, `8k`, ...), or undefined. */
  image(operationId: string): ImageOperation | undefined;
}

function side(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_IMAGE_SIDE)
    throw new CatalogError(
      path,
      `expected a pixel count from 1 to ${MAX_IMAGE_SIDE}, got ${JSON.stringify(v)}`,
    );
  return v;
}

export function buildToolRegistry(catalog: Catalog = defaultCatalog): ToolRegistry {
  const tools: ToolInfo[] = catalog.tools.map((t) =>
    Object.freeze({
      id: t.id,
      name: t.name ?? t.id,
      operations: Object.freeze(
        t.operations.map((o) =>
          Object.freeze({
            id: o.id,
            name: o.name ?? o.id,
            params: Object.freeze({ ...o.params }),
            credits: o.credits,
          }),
        ),
      ),
    }),
  );

  const imageOperations: ImageOperation[] = [];
  const toolIndex = tools.findIndex((t) => t.id === IMAGE_TOOL_ID);
  tools[toolIndex]?.operations.forEach((o, j) => {
    const path = `$.tools[${toolIndex}].operations[${j}].params`;
    const width = side(o.params.width, `${path}.width`);
    const height = side(o.params.height, `${path}.height`);
    if (width * height > MAX_IMAGE_PIXELS)
      throw new CatalogError(path, `${width}×${height} is more than ${MAX_IMAGE_PIXELS} pixels`);
    imageOperations.push(
      Object.freeze({
        tool: IMAGE_TOOL_ID,
        operation: o.id,
        name: o.name,
        credits: o.credits,
        width,
        height,
      }),
    );
  });

  const byImageId = new Map(imageOperations.map((o) => [o.operation, o]));
  return Object.freeze({
    tools: Object.freeze(tools),
    imageOperations: Object.freeze(imageOperations),
    operation: (toolId: string, operationId: string) =>
      tools.find((t) => t.id === toolId)?.operations.find((o) => o.id === operationId),
    image: (operationId: string) => byImageId.get(operationId),
  });
}
