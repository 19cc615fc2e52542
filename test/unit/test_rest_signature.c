/*
 * KIP-507 signatures (src/rest/signature.c) against values computed by the JDK.
 *
 * How the expected values were made: a throwaway Java 17 program (OpenJDK 17.0.15) ran
 *   Mac m = Mac.getInstance(alg); m.init(new SecretKeySpec(key, alg));
 *   Base64.getEncoder().encodeToString(m.doFinal(body))
 * for the keys and bodies below, Mac.getInstance("HmacFOO") for the NoSuchAlgorithmException
 * text, and Base64.getDecoder().decode(s) for each malformed input's IllegalArgumentException
 * text; its output was pasted here.
 */
#include <string.h>

#include "rest/signature.h"
#include "kc_test.h"

static const char KEY[] = "kconnect-session-key-0123456789";
/* UTF-8: the 'é' is two bytes, signed as sent */
static const char BODY[] =
    "[{\"connector.class\":\"FileStreamSource\",\"task.class\":\"x\",\"file\":\"/tmp/\xc3\xa9\"}]";

static const struct {
  const char *alg, *b64;
} vectors[] = {
  {"HmacSHA256", "8RMtkgzgigtZBzDkdtGT5YhmlQOsHY5d0Ryv6GufG/g="},
  {"HmacSHA1", "nBvgYz+sGQ/2cHQImhb2fdZ2XHo="},
  {"HmacSHA512", "sK8iosGbPnTFmpiDFB+YF14L9sgOBCxb3HlkrDTwkPNzHdlbLm2QrJ6A0Qv7bjcRdaCOxhVucRWVNXnmkkLAdg=="},
  {"HmacSHA224", "cabAf1HAXPjp2dKNgu6IWsfpiUYLn1fH41NOYA=="},
  {"HmacSHA384", "5T319D/BUw4ojOIq2bmM69ZgL/8dDFy5N3iqqyOHlmS1o5b6VMBZ431UEiqRbGlD"},
  {"HmacMD5", "T54296/IKTlJMKnhWlbYuw=="},
  {"HmacSHA512/224", "0sCrTFNfzgYODZr/QuagcXJL4oaJF3kilcEYyg=="},
  {"HmacSHA512/256", "4rW+fGc+3Xsvgbxvs4gqX6T84ENRsFA1rEKk1m0w3Sc="},
  {"HmacSHA3-256", "WO4StG6eulCGo3DZYB2c1DKYWKcvMN7WTMIevV/1AiM="},
  /* Mac.getInstance is case-insensitive */
  {"hmacsha256", "8RMtkgzgigtZBzDkdtGT5YhmlQOsHY5d0Ryv6GufG/g="},
};

static void t_sign_matches_java(void) {
  for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
    char out[KC_REST_SIGNATURE_B64_MAX];
    int rc = kc_rest_signature_sign((const uint8_t *)KEY, strlen(KEY), vectors[i].alg, BODY, strlen(BODY), out,
                                    sizeof(out));
    CHECKF(rc == 0, "%s: rc %d", vectors[i].alg, rc);
    CHECKF(rc == 0 && !strcmp(out, vectors[i].b64), "%s: got %s want %s", vectors[i].alg, out, vectors[i].b64);
    CHECKF(kc_rest_signature_verify((const uint8_t *)KEY, strlen(KEY), vectors[i].alg, vectors[i].b64, BODY,
                                    strlen(BODY)) == 0,
           "%s: verify", vectors[i].alg);
  }
  /* a binary 32-byte key (KeyGenerator's kind) over an empty body; a 200-byte key (longer than the block) */
  uint8_t bkey[32], lkey[200];
  for (int i = 0; i < 32; i++) bkey[i] = (uint8_t)(i * 7 + 200);
  for (int i = 0; i < 200; i++) lkey[i] = (uint8_t)i;
  char out[KC_REST_SIGNATURE_B64_MAX];
  CHECK(kc_rest_signature_sign(bkey, sizeof(bkey), "HmacSHA256", NULL, 0, out, sizeof(out)) == 0);
  CHECK_STR(out, "FS3g/yKvnksNPvv0ITCJkvNMF0kYiapAEbBtHdyC28M=");
  CHECK(kc_rest_signature_sign(lkey, sizeof(lkey), "HmacSHA512", "", 0, out, sizeof(out)) == 0);
  CHECK_STR(out, "7SdjLf/VyDdOGeHRLAqQT+6o2Cw+/ftUM0T83brF27cUvKtckHNBock/SqCM4eUsqS6ci/UZec1bNy8oabNZ7w==");
}

static void t_sign_errors(void) {
  char out[KC_REST_SIGNATURE_B64_MAX];
  const uint8_t *k = (const uint8_t *)KEY;
  CHECK(kc_rest_signature_sign(k, strlen(KEY), "HmacFOO", BODY, 3, out, sizeof(out)) == KC_EINVAL);
  CHECK(kc_rest_signature_sign(k, strlen(KEY), "SHA256", BODY, 3, out, sizeof(out)) == KC_EINVAL);
  CHECK(kc_rest_signature_sign(k, strlen(KEY), NULL, BODY, 3, out, sizeof(out)) == KC_EINVAL);
  CHECK(kc_rest_signature_sign(k, 0, "HmacSHA256", BODY, 3, out, sizeof(out)) == KC_EINVAL);
  /* 44 characters + NUL for SHA-256 */
  CHECK(kc_rest_signature_sign(k, strlen(KEY), "HmacSHA256", BODY, 3, out, 44) == KC_ENOSPC);
  CHECK(kc_rest_signature_sign(k, strlen(KEY), "HmacSHA256", BODY, 3, out, 45) == 0);
  CHECK(kc_rest_signature_sign(k, strlen(KEY), "HmacSHA512", BODY, 3, out, sizeof(out)) == 0 && strlen(out) == 88);
  CHECK(kc_rest_signature_algorithm_known("HmacSHA256") && kc_rest_signature_algorithm_known("HMACSHA1"));
  CHECK(!kc_rest_signature_algorithm_known("HmacSHA256 ") && !kc_rest_signature_algorithm_known(""));
}

static void t_verify(void) {
  const uint8_t *k = (const uint8_t *)KEY;
  size_t kl = strlen(KEY), bl = strlen(BODY);
  const char *good = vectors[0].b64;
  CHECK(kc_rest_signature_verify(k, kl, "HmacSHA256", good, BODY, bl) == 0);
  /* one body byte less, another key, another algorithm's MAC, a truncated MAC, garbage, empty */
  CHECK(kc_rest_signature_verify(k, kl, "HmacSHA256", good, BODY, bl - 1) == KC_REST_SIGNATURE_BAD);
  CHECK(kc_rest_signature_verify((const uint8_t *)"other", 5, "HmacSHA256", good, BODY, bl) == KC_REST_SIGNATURE_BAD);
  CHECK(kc_rest_signature_verify(k, kl, "HmacSHA256", vectors[1].b64, BODY, bl) == KC_REST_SIGNATURE_BAD);
  CHECK(kc_rest_signature_verify(k, kl, "HmacSHA256", "8RMtkgzgigtZBzDkdtGT5YhmlQOsHY5d0Ryv6GufG/", BODY, bl) ==
        KC_REST_SIGNATURE_BAD);
  CHECK(kc_rest_signature_verify(k, kl, "HmacSHA256", "!!!", BODY, bl) == KC_REST_SIGNATURE_BAD);
  CHECK(kc_rest_signature_verify(k, kl, "HmacSHA256", "", BODY, bl) == KC_REST_SIGNATURE_BAD);
  CHECK(kc_rest_signature_verify(k, kl, "HmacSHA256", NULL, BODY, bl) == KC_REST_SIGNATURE_BAD);
  /* a MAC bit flipped ('g' -> 'w', 'k'); 'g' -> 'h' only changes a padding bit, which Java's decoder drops too
   (checked with MessageDigest.isEqual on the JDK's decodings) */
  CHECK(kc_rest_signature_verify(k, kl, "HmacSHA256", "8RMtkgzgigtZBzDkdtGT5YhmlQOsHY5d0Ryv6GufG/w=", BODY, bl) ==
        KC_REST_SIGNATURE_BAD);
  CHECK(kc_rest_signature_verify(k, kl, "HmacSHA256", "8RMtkgzgigtZBzDkdtGT5YhmlQOsHY5d0Ryv6GufG/k=", BODY, bl) ==
        KC_REST_SIGNATURE_BAD);
  CHECK(kc_rest_signature_verify(k, kl, "HmacSHA256", "8RMtkgzgigtZBzDkdtGT5YhmlQOsHY5d0Ryv6GufG/h=", BODY, bl) == 0);
  CHECK(kc_rest_signature_verify(k, kl, "HmacNOPE", good, BODY, bl) == KC_EINVAL);
  CHECK(kc_rest_signature_verify(k, 0, "HmacSHA256", good, BODY, bl) == KC_EINVAL);
}

/* java.util.Base64.getDecoder().decode(s): each result as the JDK printed it. */
static void t_base64_like_java(void) {
  static const struct {
    const char *in;
    int len; /* decoded length, or -1 */
    const char *err;
  } cases[] = {
    {"abc-", -1, "Illegal base64 character 2d"},
    {"a", -1, "Input byte[] should at least have 2 bytes for base64 bytes"},
    {"ab", 1, NULL},
    {"abc", 2, NULL},
    {"abcd=", -1, "Input byte array has wrong 4-byte ending unit"},
    {"ab=", -1, "Input byte array has wrong 4-byte ending unit"},
    {"ab=c", -1, "Input byte array has wrong 4-byte ending unit"},
    {"ab==x", -1, "Input byte array has incorrect ending byte at 4"},
    {"ab==", 1, NULL},
    {"=", -1, "Input byte[] should at least have 2 bytes for base64 bytes"},
    {"", 0, NULL},
    {"abcde", -1, "Last unit does not have enough valid bits"},
    /* Java decodes the String's ISO-8859-1 bytes: 'é' (0xE9) is the signed byte -0x17 */
    {"ab\xe9" "d", -1, "Illegal base64 character -17"},
    {"ab cd", -1, "Illegal base64 character 20"},
    {"YWJj\n", -1, "Illegal base64 character a"},
    {"YW==", 1, NULL},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    uint8_t out[16];
    size_t len = 99;
    char msg[128] = "";
    int rc = kc_rest_base64_decode(cases[i].in, out, sizeof(out), &len, msg, sizeof(msg));
    if (cases[i].len >= 0) {
      CHECKF(rc == 0 && len == (size_t)cases[i].len, "[%s]: rc %d len %zu (%s)", cases[i].in, rc, len, msg);
    } else {
      CHECKF(rc == KC_EINVAL && !strcmp(msg, cases[i].err), "[%s]: rc %d msg \"%s\" want \"%s\"", cases[i].in, rc,
             msg, cases[i].err);
    }
  }
  uint8_t out[8];
  size_t len;
  char msg[64];
  CHECK(kc_rest_base64_decode("YWJj", out, sizeof(out), &len, msg, sizeof(msg)) == 0 && len == 3 &&
        !memcmp(out, "abc", 3));
}

/* InternalRequestSignature.fromHeaders(): what the resource refuses before the herder. */
static void t_headers_check(void) {
  char msg[256];
  CHECK(kc_rest_signature_headers_check(NULL, NULL, msg, sizeof(msg)) == 0);
  CHECK(kc_rest_signature_headers_check("abc-", NULL, msg, sizeof(msg)) == 0); /* one missing: the herder says so */
  CHECK(kc_rest_signature_headers_check(NULL, "HmacFOO", msg, sizeof(msg)) == 0);
  CHECK(kc_rest_signature_headers_check("AAAA", "HmacFOO", msg, sizeof(msg)) == 400);
  CHECK_STR(msg, "Algorithm HmacFOO not available");
  CHECK(kc_rest_signature_headers_check("AAAA", "", msg, sizeof(msg)) == 400);
  CHECK_STR(msg, "Algorithm  not available");
  CHECK(kc_rest_signature_headers_check("abc-", "HmacSHA256", msg, sizeof(msg)) == 400);
  CHECK_STR(msg, "Illegal base64 character 2d");
  CHECK(kc_rest_signature_headers_check("", "hmacsha256", msg, sizeof(msg)) == 0);
  CHECK(kc_rest_signature_headers_check(vectors[0].b64, "HmacSHA256", msg, sizeof(msg)) == 0);
}

/* DistributedHerder.requestNotSignedProperly() through the one helper. */
static void t_check_codes(void) {
  static const char *const allowed[] = {"HmacSHA256"};
  const uint8_t *k = (const uint8_t *)KEY;
  char msg[1024];
  kc_herder_req_t req = {.op = KC_HERDER_TASK_CONFIGS_PUT, .raw_body = BODY, .raw_body_len = strlen(BODY)};
  CHECK(kc_rest_signature_check(k, strlen(KEY), allowed, 1, &req, msg, sizeof(msg)) == KC_HERDER_R_BAD_REQUEST);
  CHECK_STR(msg, "Internal request missing required signature");
  req.signature = vectors[0].b64; /* algorithm header still missing */
  CHECK(kc_rest_signature_check(k, strlen(KEY), allowed, 1, &req, msg, sizeof(msg)) == KC_HERDER_R_BAD_REQUEST);
  CHECK_STR(msg, "Internal request missing required signature");

  req.signature_algorithm = "HmacSHA256";
  CHECK(kc_rest_signature_check(k, strlen(KEY), allowed, 1, &req, msg, sizeof(msg)) == KC_HERDER_R_OK);
  /* the allowed list compares exactly: Mac's name keeps the case it was asked with */
  req.signature_algorithm = "hmacsha256";
  req.signature = vectors[9].b64;
  CHECK(kc_rest_signature_check(k, strlen(KEY), allowed, 1, &req, msg, sizeof(msg)) == KC_HERDER_R_BAD_REQUEST);
  CHECK_STR(msg, "This worker does not support the 'hmacsha256' key signing algorithm used by other workers. This "
                 "worker is currently configured to use: [HmacSHA256]. Check that all workers' configuration files "
                 "permit the same set of signature algorithms, and correct any misconfigured worker and restart it.");
  static const char *const two[] = {"HmacSHA512", "HmacSHA384"};
  req.signature_algorithm = "HmacSHA256";
  req.signature = vectors[0].b64;
  CHECK(kc_rest_signature_check(k, strlen(KEY), two, 2, &req, msg, sizeof(msg)) == KC_HERDER_R_BAD_REQUEST);
  CHECK(strstr(msg, "configured to use: [HmacSHA512, HmacSHA384]. Check") != NULL);

  /* no session key yet: 503, even for a signature that would be good */
  CHECK(kc_rest_signature_check(NULL, 0, allowed, 1, &req, msg, sizeof(msg)) == KC_HERDER_R_UNAVAILABLE);
  CHECK_STR(msg, "This worker is still starting up and has not been able to read a session key from the config "
                 "topic yet");
  /* wrong key, changed body: 403 */
  CHECK(kc_rest_signature_check((const uint8_t *)"x", 1, allowed, 1, &req, msg, sizeof(msg)) == KC_HERDER_R_FORBIDDEN);
  CHECK_STR(msg, "Internal request contained invalid signature.");
  req.raw_body_len--;
  CHECK(kc_rest_signature_check(k, strlen(KEY), allowed, 1, &req, msg, sizeof(msg)) == KC_HERDER_R_FORBIDDEN);
  /* fence: an empty body (raw_body NULL) signed over zero bytes */
  char sig[KC_REST_SIGNATURE_B64_MAX];
  CHECK(kc_rest_signature_sign(k, strlen(KEY), "HmacSHA256", NULL, 0, sig, sizeof(sig)) == 0);
  kc_herder_req_t fence = {.op = KC_HERDER_FENCE, .signature = sig, .signature_algorithm = "HmacSHA256"};
  CHECK(kc_rest_signature_check(k, strlen(KEY), allowed, 1, &fence, msg, sizeof(msg)) == KC_HERDER_R_OK);
  /* a tiny message buffer is truncated, never overrun */
  char small[16];
  req.signature_algorithm = "HmacSHA1";
  CHECK(kc_rest_signature_check(k, strlen(KEY), two, 2, &req, small, sizeof(small)) == KC_HERDER_R_BAD_REQUEST);
  CHECK(strlen(small) == sizeof(small) - 1);
}

int main(void) {
  kc_test_run("sign_matches_java", t_sign_matches_java);
  kc_test_run("sign_errors", t_sign_errors);
  kc_test_run("verify", t_verify);
  kc_test_run("base64_like_java", t_base64_like_java);
  kc_test_run("headers_check", t_headers_check);
  kc_test_run("check_codes", t_check_codes);
  return kc_test_done();
}
