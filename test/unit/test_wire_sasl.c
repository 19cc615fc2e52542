/*
 * SASL messages of the group member's connections (kafka/wire/sasl.h): SCRAM-SHA-256 against
 * RFC 7677's test vector, SCRAM-SHA-512 against Python's hashlib (an independent PBKDF2/HMAC),
 * PLAIN's bytes, and the checks a client must make (nonce, iterations, server signature).
 */
#include <stdlib.h>
#include <string.h>

#include "kafka/wire/sasl.h"
#include "kc_test.h"

/* RFC 7677 section 3 */
#define R_NONCE "rOprNGfwEbeRWgbNEkqO"
#define R_SFIRST "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
#define R_CFINAL "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
#define R_SFINAL "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

static void test_rfc7677(void) {
  kc_wire_scram_t s;
  CHECK(kc_wire_scram_init(&s, KC_WIRE_SASL_SCRAM_SHA_256, "user", "pencil", R_NONCE) == 0);
  kc_buf_t out;
  kc_buf_init(&out, 0);
  CHECK(kc_wire_scram_client_first(&s, &out) == 0);
  CHECK_STR(out.data, "n,,n=user,r=" R_NONCE);
  kc_buf_reset(&out);
  char why[256] = "";
  CHECKF(kc_wire_scram_client_final(&s, R_SFIRST, strlen(R_SFIRST), &out, why, sizeof why) == 0,
         "%s", why);
  CHECK_STR(out.data, R_CFINAL);
  CHECKF(kc_wire_scram_verify(&s, R_SFINAL, strlen(R_SFINAL), why, sizeof why) == 0, "%s", why);
  /* a forged server signature is refused */
  const char *bad = "v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
  CHECK(kc_wire_scram_verify(&s, bad, strlen(bad), why, sizeof why) == KC_EINVAL);
  const char *err = "e=invalid-proof";
  CHECK(kc_wire_scram_verify(&s, err, strlen(err), why, sizeof why) == KC_EINVAL);
  CHECK(strstr(why, "invalid-proof") != NULL);
  kc_wire_scram_free(&s);
  kc_buf_free(&out);
}

static void test_client_checks(void) {
  static const char *const firsts[] = {
      "r=otherNonce123,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",       /* does not extend ours */
      "r=" R_NONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",         /* no server part */
      "r=" R_NONCE "xyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1024",      /* too few iterations */
      "r=" R_NONCE "xyz,i=4096",                                  /* no salt */
      "e=unknown-user",
  };
  for (size_t i = 0; i < sizeof firsts / sizeof firsts[0]; i++) {
    kc_wire_scram_t s;
    kc_buf_t out;
    kc_buf_init(&out, 0);
    CHECK(kc_wire_scram_init(&s, KC_WIRE_SASL_SCRAM_SHA_256, "user", "pencil", R_NONCE) == 0);
    kc_wire_scram_client_first(&s, &out);
    kc_buf_reset(&out);
    char why[256] = "";
    CHECKF(kc_wire_scram_client_final(&s, firsts[i], strlen(firsts[i]), &out, why, sizeof why) ==
               KC_EINVAL, "accepted %s", firsts[i]);
    CHECK(why[0] != '\0');
    kc_wire_scram_free(&s);
    kc_buf_free(&out);
  }
  /* user names escape ',' and '=' (RFC 5802 5.1); a random nonce is long and has no ',' */
  kc_wire_scram_t s;
  kc_buf_t out;
  kc_buf_init(&out, 0);
  CHECK(kc_wire_scram_init(&s, KC_WIRE_SASL_SCRAM_SHA_512, "a,b=c", "p", NULL) == 0);
  kc_wire_scram_client_first(&s, &out);
  CHECK_PREFIX(out.data, "n,,n=a=2Cb=3Dc,r=");
  CHECK(strlen(s.nonce) >= 32 && !strchr(s.nonce, ','));
  kc_wire_scram_free(&s);
  kc_buf_free(&out);
}

/* SCRAM-SHA-512 has no RFC vector: the same exchange computed by Python's hashlib. */
static void test_sha512_python(void) {
  const char *nonce = "fyko+d2lbbFgONRv9qkxdawL";
  const char *sfirst = "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096";
  kc_wire_scram_t s;
  CHECK(kc_wire_scram_init(&s, KC_WIRE_SASL_SCRAM_SHA_512, "user", "pencil", nonce) == 0);
  kc_buf_t out;
  kc_buf_init(&out, 0);
  kc_wire_scram_client_first(&s, &out);
  kc_buf_reset(&out);
  char why[256] = "";
  CHECKF(kc_wire_scram_client_final(&s, sfirst, strlen(sfirst), &out, why, sizeof why) == 0, "%s", why);
  static const char *const py =
      "import base64, hashlib, hmac, sys\n"
      "user, pw, nonce, sfirst = sys.argv[1:5]\n"
      "d = dict(kv.split('=', 1) for kv in sfirst.split(','))\n"
      "salted = hashlib.pbkdf2_hmac('sha512', pw.encode(), base64.b64decode(d['s']), int(d['i']))\n"
      "ck = hmac.new(salted, b'Client Key', 'sha512').digest()\n"
      "sk = hashlib.sha512(ck).digest()\n"
      "wo = 'c=biws,r=' + d['r']\n"
      "auth = ('n=' + user + ',r=' + nonce + ',' + sfirst + ',' + wo).encode()\n"
      "sig = hmac.new(sk, auth, 'sha512').digest()\n"
      "proof = bytes(a ^ b for a, b in zip(ck, sig))\n"
      "srv = hmac.new(hmac.new(salted, b'Server Key', 'sha512').digest(), auth, 'sha512').digest()\n"
      "print(wo + ',p=' + base64.b64encode(proof).decode())\n"
      "print('v=' + base64.b64encode(srv).decode())\n";
  char args[512];
  snprintf(args, sizeof args, "user pencil '%s' '%s'", nonce, sfirst);
  char *res = NULL;
  int rc = kc_test_python(py, args, &res, NULL);
  CHECKF(rc == 0 && res, "python: %d", rc);
  if (res) {
    char *nl = strchr(res, '\n');
    if (CHECK(nl != NULL)) {
      *nl = '\0';
      CHECK_STR(out.data, res);
      char *v = nl + 1;
      char *end = strchr(v, '\n');
      if (end) *end = '\0';
      CHECKF(kc_wire_scram_verify(&s, v, strlen(v), why, sizeof why) == 0, "%s", why);
    }
  }
  free(res);
  kc_wire_scram_free(&s);
  kc_buf_free(&out);
}

static void test_plain(void) {
  kc_buf_t out;
  kc_buf_init(&out, 0);
  CHECK(kc_wire_sasl_plain(&out, "u", "p w") == 0);
  CHECK(out.len == 6 && memcmp(out.data, "\0u\0p w", 6) == 0);
  kc_buf_free(&out);
}

int main(void) {
  kc_test_run("rfc7677", test_rfc7677);
  kc_test_run("client_checks", test_client_checks);
  kc_test_run("sha512_python", test_sha512_python);
  kc_test_run("plain", test_plain);
  return kc_test_done();
}
