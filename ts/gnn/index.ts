// The gnn namespace: graph layers with PyTorch Geometric's semantics, graph batching and
// pooling, and the karate-club / MNIST-kNN / graph-classification tasks (ts/gnn/tasks.ts).
export { MessagePassing, GCNConv, GATConv, SAGEConv, GINConv } from './conv';
export { Batch, type Data, globalAddPool, globalMeanPool, globalMaxPool } from './batch';
export { checkEdgeIndex, withSelfLoops, degree, scatter, segmentSoftmax, edgeTensor, type Aggr } from './utils';
export { karateClub, KARATE_EDGES, KARATE_CLUB_LABELS, KARATE_COMMUNITIES, KARATE_COMMUNITY_CLUB, KARATE_TRAIN_NODES, knnGraph, mnistKnnGraph, imageGraphs } from './datasets';
export { karateClubGcn, mnistKnnNodeClassification, mnistGraphClassification, Gcn, GinClassifier } from './tasks';
