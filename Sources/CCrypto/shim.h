#include <openssl/evp.h>
#include <openssl/err.h>

/* Ed25519 verification through OpenSSL's EVP interface (libcrypto), so the spoke checks plan
   signatures without swift-crypto, which needs full Foundation on Linux. Returns 1 when
   `signature` is valid for `message` under the 32-byte public key. */
static inline int fleet_ed25519_verify(const unsigned char *public_key, const unsigned char *signature, size_t signature_length,
                                       const unsigned char *message, size_t message_length) {
    EVP_PKEY *key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, public_key, 32);
    if (key == NULL) return 0;
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    int ok = 0;
    if (context != NULL && EVP_DigestVerifyInit(context, NULL, NULL, NULL, key) == 1) {
        ok = EVP_DigestVerify(context, signature, signature_length, message, message_length) == 1;
    }
    EVP_MD_CTX_free(context);
    EVP_PKEY_free(key);
    ERR_clear_error();
    return ok;
}
