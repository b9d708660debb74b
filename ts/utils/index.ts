// utils: image grids as PNG (torchvision.utils' make_grid / save_image) and the Fréchet distance.
export { saveImageGrid, makeGrid } from './image_grid';
export type { ImageGridOptions } from './image_grid';
export { frechetDistance } from './frechet';
