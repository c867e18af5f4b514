/** Every `digitlab` command: the module that runs it and what it does in one line (the `--help` list). */
export const commands: Readonly<Record<string, { module: string; summary: string }>> = {
  train: { module: './commands/train.js', summary: 'train a fresh zoo model on MNIST, a CSV or a folder of images; writes a run folder' },
  evaluate: { module: './commands/evaluate.js', summary: 'score a model (or an ensemble) on the MNIST test set, a CSV or a folder' },
  predict: { module: './commands/predict.js', summary: 'say which digit each image file (or every image in a folder) shows' },
  finetune: { module: './commands/finetune.js', summary: 'adapt a saved or pretrained model to new digits (LoRA, adapters, freezing, ...)' },
  'lr-find': { module: './commands/lr-find.js', summary: 'sweep the learning rate and suggest one for training or fine-tuning' },
  backends: { module: './commands/backends.js', summary: 'list the compute engines, which one runs here, and why the others do not' },
  bench: { module: './commands/bench.js', summary: 'measure training and inference speed of the zoo models' },
  data: { module: './commands/data.js', summary: 'find, download and verify the MNIST files' },
  explain: { module: './commands/explain.js', summary: 'show what a model sees in images: every layer, attributions (Grad-CAM, saliency, ...), as HTML' },
  report: { module: './commands/report.js', summary: 'an HTML report of a run or model: curves, clickable confusion matrix, mistakes, embedding' },
  completion: { module: './commands/completion.js', summary: 'print a shell completion script: digitlab completion bash|zsh|fish' },
};
