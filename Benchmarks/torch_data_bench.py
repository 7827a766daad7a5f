"""PyTorch's side of the data-loading comparison (Benchmarks/data-bench.sh): images per second
through JPEG decode (PIL) + the same train augmentations (torchvision) + batching, DataLoader with
2 workers, on the folder kindred-data-bench generated. Prints one JSON object.

    python torch_data_bench.py FOLDER [--epochs E]
"""
import json
import sys
import time

import torch
import torchvision
from torchvision import datasets, transforms


def main():
    folder = sys.argv[1]
    epochs = int(sys.argv[sys.argv.index("--epochs") + 1]) if "--epochs" in sys.argv else 3
    torch.manual_seed(0)
    # The main process only receives batches; one thread keeps it from competing with the workers
    # (DataLoader already gives each worker one thread).
    torch.set_num_threads(1)
    train = transforms.Compose([
        transforms.RandomResizedCrop(112),
        transforms.RandomHorizontalFlip(),
        transforms.ColorJitter(brightness=0.2, contrast=0.2, saturation=0.2),
        transforms.ToTensor(),
        transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    ])
    data = datasets.ImageFolder(folder, transform=train)
    loader = torch.utils.data.DataLoader(data, batch_size=64, shuffle=True, num_workers=2,
                                         prefetch_factor=2, persistent_workers=True)
    rates = []
    for epoch in range(epochs + 1):  # epoch 0 warms up
        start = time.perf_counter()
        images = 0
        for x, y in loader:
            images += len(y)
        seconds = time.perf_counter() - start
        if epoch > 0:
            rates.append(images / seconds)
    rates.sort()
    print(json.dumps({"images": len(data), "workers": 2, "batch": 64, "epochs": epochs,
                      "images_per_second": rates[len(rates) // 2], "torch": torch.__version__,
                      "torchvision": torchvision.__version__}, sort_keys=True))


if __name__ == "__main__":
    main()
