export { installFastCurve, type FastCurveStatus } from './install';
export { CredsPool, type CredsPoolOptions } from './creds-pool';
export { fastAgreement, fastKeyPair, importPrivateKey, importPublicKey, privateKeyFormat, publicKeyOf, type PrivateKeyFormat } from './x25519';
export { xeddsaSign, xeddsaVerify } from './xeddsa';
export { loadBaileysCurve, type CurveModule } from './curve-module';
export { fastHkdf, installFastHkdf, loadBaileysCrypto, type HkdfOptions } from './hkdf';
