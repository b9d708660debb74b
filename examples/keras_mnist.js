// The seeds' Keras MNIST example, line for line in myelin: Sequential Dense/Dropout/BatchNormalization,
// compile(adam, categorical cross-entropy, accuracy), fit(10 epochs, batch 32, validation_split 0.2),
// evaluate on the test set. Run: node examples/keras_mnist.js [epochs] [train rows]
'use strict';
const my = require('..');
const { nn, optim, data, train } = my;

my.manualSeed(0);
const epochs = Number(process.argv[2] || 10);
const limit = Number(process.argv[3] || 60000);

// (x_train, y_train), (x_test, y_test) = mnist.load_data()
// x_train = x_train.reshape(-1, 784) / 255.0;  y_train = to_categorical(y_train, 10)
const prep = (split, n) => {
  const { images, labels } = data.loadMnist({ split });
  return [images.narrow(0, 0, Math.min(n, images.shape[0])).reshape(-1, 784), nn.functional.oneHot(labels.narrow(0, 0, Math.min(n, labels.shape[0])), 10).float()];
};
const [xTrain, yTrain] = prep('train', limit);
const [xTest, yTest] = prep('test', 10000);

// model = Sequential([
const model = new nn.Sequential(
  new nn.Linear(784, 128), new nn.ReLU(),   // Dense(128, activation='relu', input_shape=(784,)),
  new nn.Dropout(0.2),                       // Dropout(0.2),
  new nn.BatchNorm1d(128),                   // BatchNormalization(),
  new nn.Linear(128, 64), new nn.ReLU(),     // Dense(64, activation='relu'),
  new nn.Dropout(0.2),                       // Dropout(0.2),
  new nn.Linear(64, 10), new nn.Softmax(1),  // Dense(10, activation='softmax')
);                                           // ])
console.log(train.summary(model, [1, 784]).text);  // model.summary()

// model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])
// (Keras' categorical cross-entropy on probabilities clips them to [1e-7, 1 - 1e-7] before the log)
const optimizer = new optim.Adam(model.parameters(), { lr: 1e-3 });
const categoricalCrossentropy = (p, y) => p.clamp(1e-7, 1 - 1e-7).log().mul(y).sum(1).mean().neg();

// history = model.fit(x_train, y_train, epochs=10, batch_size=32, validation_split=0.2)
const history = train.fit(model, [xTrain, yTrain], {
  epochs, batchSize: 32, validationSplit: 0.2, optimizer, lossFn: categoricalCrossentropy, metrics: ['accuracy'], verbose: 2,
});

// test_loss, test_acc = model.evaluate(x_test, y_test)
const { loss: testLoss, acc: testAcc } = train.evaluate(model, [xTest, yTest], { lossFn: categoricalCrossentropy, metrics: ['accuracy'], batchSize: 1000 });
console.log(`val accuracy per epoch: ${history.history.valAcc.map((a) => (100 * a).toFixed(2) + '%').join(', ')}`);
console.log(`test loss ${testLoss.toFixed(4)}, test accuracy ${(100 * testAcc).toFixed(2)}%`);
