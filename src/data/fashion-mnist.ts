/** Fashion-MNIST (Xiao et al. 2017): 60,000 training and 10,000 test images, 28×28 bytes, 10 classes. */
import type { Dataset } from './dataset.js';
import { loadIdxDataset } from './idx.js';

/** Where Debian's dataset-fashion-mnist package puts the gzipped IDX files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export const FASHION_MNIST_CLASSES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
] as const;

/**
 * Loads the four files `train-images-idx3-ubyte.gz`, `train-labels-idx1-ubyte.gz`,
 * `t10k-images-idx3-ubyte.gz`, `t10k-labels-idx1-ubyte.gz` from a directory or a URL base
 * (default: Debian's location).
 */
export async function loadFashionMnist(base: string = FASHION_MNIST_DIR): Promise<{ train: Dataset; test: Dataset }> {
  const at = (file: string) => `${base.replace(/\/$/, '')}/${file}`;
  const [train, test] = await Promise.all([
    loadIdxDataset(at('train-images-idx3-ubyte.gz'), at('train-labels-idx1-ubyte.gz'), 10, FASHION_MNIST_CLASSES),
    loadIdxDataset(at('t10k-images-idx3-ubyte.gz'), at('t10k-labels-idx1-ubyte.gz'), 10, FASHION_MNIST_CLASSES),
  ]);
  return { train, test };
}
