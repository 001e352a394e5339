// Node's types (tsconfig.node.json) name WebCrypto's key type only as node:crypto's webcrypto.CryptoKey;
// src/crypto's modules, which unit tests import too, use the global name the Workers types declare.
type CryptoKey = import("node:crypto").webcrypto.CryptoKey;
