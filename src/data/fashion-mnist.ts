/** Fashion-MNIST (Xiao et al. 2017): 60,000 training and 10,000 test images, 28×28 bytes, 10 classes. */
import { FaWebGpuError } from '../errors.js';
import type { Dataset } from './dataset.js';
import { loadIdxDataset, sourceName, type DataSource } from './idx.js';

/** Where Debian's dataset-fashion-mnist package puts the gzipped IDX files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export const FASHION_MNIST_CLASSES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
] as const;

/** Values in one Fashion-MNIST image (28×28 bytes). */
export const FASHION_MNIST_FEATURES = 28 * 28;

/** The four IDX sources of Fashion-MNIST (gzipped or not). */
export interface FashionMnistFiles {
  trainImages: DataSource;
  trainLabels: DataSource;
  testImages: DataSource;
  testLabels: DataSource;
}

/**
 * Loads the training and test sets from their four IDX sources (paths, URLs, Files, bytes):
 * labels below 10, every image 28×28 (so that the two sets fit one network).
 */
export async function loadFashionMnistFiles(files: FashionMnistFiles): Promise<{ train: Dataset; test: Dataset }> {
  const load = async (images: DataSource, labels: DataSource) => {
    const d = await loadIdxDataset(images, labels, 10, FASHION_MNIST_CLASSES);
    if (d.features !== FASHION_MNIST_FEATURES) {
      throw new FaWebGpuError('invalid-data', `${sourceName(images)}: holds images of ${d.features} values; Fashion-MNIST's are 28×28 = ${FASHION_MNIST_FEATURES}`);
    }
    return d;
  };
  const [train, test] = await Promise.all([load(files.trainImages, files.trainLabels), load(files.testImages, files.testLabels)]);
  return { train, test };
}

/**
 * Loads the four files `train-images-idx3-ubyte.gz`, `train-labels-idx1-ubyte.gz`,
 * `t10k-images-idx3-ubyte.gz`, `t10k-labels-idx1-ubyte.gz` from a directory or a URL base
 * (default: Debian's location).
 */
export async function loadFashionMnist(base: string = FASHION_MNIST_DIR): Promise<{ train: Dataset; test: Dataset }> {
  const at = (file: string) => `${base.replace(/\/$/, '')}/${file}`;
  return loadFashionMnistFiles({
    trainImages: at('train-images-idx3-ubyte.gz'), trainLabels: at('train-labels-idx1-ubyte.gz'),
    testImages: at('t10k-images-idx3-ubyte.gz'), testLabels: at('t10k-labels-idx1-ubyte.gz'),
  });
}
