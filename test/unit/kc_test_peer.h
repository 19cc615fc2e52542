/*
 * A Python test peer (test/unit/http_test_server.py) as a child process: it prints
 * "PORT <n>" once it listens and exits when its stdin closes. Shared by the HTTP
 * client tests; test-only, blocking calls are fine here.
 */
#ifndef KC_TEST_PEER_H
#define KC_TEST_PEER_H

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
  pid_t pid;
  int in_fd; /* our end of the peer's stdin */
  int port;
} kc_test_peer_t;

/* Starts argv (argv[0] is looked up in PATH). @returns 0, or -1 with a message on stderr. */
static inline int kc_test_peer_start(kc_test_peer_t *p, char *const argv[]) {
  int in[2], out[2];
  p->pid = -1;
  p->in_fd = -1;
  p->port = 0;
  if (pipe(in) || pipe(out)) return -1;
  p->pid = fork();
  if (p->pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    close(in[0]), close(in[1]), close(out[0]), close(out[1]);
    execvp(argv[0], argv);
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  p->in_fd = in[1];
  char line[128] = "";
  size_t n = 0;
  struct pollfd pfd = {.fd = out[0], .events = POLLIN};
  while (n + 1 < sizeof line && poll(&pfd, 1, 20000) == 1) {
    ssize_t r = read(out[0], line + n, 1);
    if (r <= 0 || line[n] == '\n') break;
    n++;
  }
  line[n] = '\0';
  close(out[0]);
  if (sscanf(line, "PORT %d", &p->port) != 1) {
    fprintf(stderr, "test peer did not start (%s): got '%s'\n", argv[1] ? argv[1] : argv[0], line);
    return -1;
  }
  return 0;
}

/* Closes its stdin (it exits on EOF), waits up to 2 s, then kills it. */
static inline void kc_test_peer_stop(kc_test_peer_t *p) {
  if (p->in_fd >= 0) close(p->in_fd);
  p->in_fd = -1;
  if (p->pid > 0) {
    for (int i = 0; i < 100 && waitpid(p->pid, NULL, WNOHANG) == 0; i++) usleep(20000);
    if (waitpid(p->pid, NULL, WNOHANG) == 0) {
      kill(p->pid, SIGKILL);
      waitpid(p->pid, NULL, 0);
    }
  }
  p->pid = -1;
}

#endif
