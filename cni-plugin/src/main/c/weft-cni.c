/*
 * weft-cni: the CNI binary a runtime executes. It does no CNI logic itself: it forwards the
 * invocation (the CNI_* environment and stdin) to the node's weft-agent over the unix socket named
 * by "agentSocket" in the network config, and prints the agent's answer. When the config names no
 * socket or the agent is not there, it runs the JVM plugin with the same stdin, so the answer is the
 * same either way; all logic stays in Java. The JVM is executed directly, with the command line
 * make-dist wrote to <home>/lib/weft-cni.jvmargs (saves the /bin/sh launcher and its readlink
 * fork); without that file it runs the launcher script weft-cni-jvm next to this binary.
 *
 * Wire format (all integers u32 big-endian):
 *   request:  "WCNI" version(1) | n | n x (len, "KEY=VALUE") | len, stdin
 *   response: "WCNI" exit | len, stdout | len, stderr
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAX_STDIN (4u << 20)
#define MAX_ANSWER (16u << 20)

static int write_all(int fd, const void *buf, size_t n) {
  const char *p = buf;
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) { if (errno == EINTR) continue; return -1; }
    p += w; n -= (size_t)w;
  }
  return 0;
}

static int read_all(int fd, void *buf, size_t n) {
  char *p = buf;
  while (n > 0) {
    ssize_t r = read(fd, p, n);
    if (r < 0) { if (errno == EINTR) continue; return -1; }
    if (r == 0) return -1;
    p += r; n -= (size_t)r;
  }
  return 0;
}

static char *slurp_stdin(size_t *len) {
  size_t cap = 8192, n = 0;
  char *buf = malloc(cap);
  if (!buf) return NULL;
  for (;;) {
    if (n == cap) {
      if (cap >= MAX_STDIN) break;
      cap *= 2;
      char *nb = realloc(buf, cap);
      if (!nb) { free(buf); return NULL; }
      buf = nb;
    }
    ssize_t r = read(0, buf + n, cap - n);
    if (r < 0) { if (errno == EINTR) continue; break; }
    if (r == 0) break;
    n += (size_t)r;
  }
  *len = n;
  return buf;
}

/* Finds "agentSocket" : "<path>" in the config (the agent writes it; paths hold no escapes). */
static int find_socket(const char *conf, size_t n, char *out, size_t outlen) {
  static const char key[] = "\"agentSocket\"";
  const char *end = conf + n;
  const char *p = memmem(conf, n, key, sizeof key - 1);
  if (!p) return 0;
  p += sizeof key - 1;
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
  if (p >= end || *p++ != ':') return 0;
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
  if (p >= end || *p++ != '"') return 0;
  const char *q = memchr(p, '"', (size_t)(end - p));
  if (!q || (size_t)(q - p) >= outlen || q == p || memchr(p, '\\', (size_t)(q - p))) return 0;
  memcpy(out, p, (size_t)(q - p));
  out[q - p] = 0;
  return 1;
}

static void put_u32(char *b, uint32_t v) {
  b[0] = (char)(v >> 24); b[1] = (char)(v >> 16); b[2] = (char)(v >> 8); b[3] = (char)v;
}

static uint32_t get_u32(const unsigned char *b) {
  return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

/* Builds the request in one buffer so it goes out in (usually) one write. */
static char *build_request(const char *in, size_t inlen, size_t *reqlen) {
  size_t size = 12, count = 0;
  for (char **e = environ; *e; e++)
    if (strncmp(*e, "CNI_", 4) == 0) { size += 4 + strlen(*e); count++; }
  size += 4 + inlen;
  char *req = malloc(size), *p = req;
  if (!req) return NULL;
  memcpy(p, "WCNI", 4); put_u32(p + 4, 1); put_u32(p + 8, (uint32_t)count); p += 12;
  for (char **e = environ; *e; e++) {
    if (strncmp(*e, "CNI_", 4) != 0) continue;
    size_t l = strlen(*e);
    put_u32(p, (uint32_t)l); memcpy(p + 4, *e, l); p += 4 + l;
  }
  put_u32(p, (uint32_t)inlen); memcpy(p + 4, in, inlen);
  *reqlen = size;
  return req;
}

static int connect_agent(const char *path) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof sa.sun_path) return -1;
  strcpy(sa.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) { close(fd); return -1; }
  return fd;
}

static int fail_midway(const char *why) {
  /* The agent may have acted on the request: never re-run it here; the runtime retries. */
  printf("{\"cniVersion\":\"1.0.0\",\"code\":11,\"msg\":\"weft-agent connection lost: %s\"}\n", why);
  return 1;
}

static int read_block(int fd, char **out, uint32_t *len) {
  unsigned char b[4];
  if (read_all(fd, b, 4) < 0) return -1;
  *len = get_u32(b);
  if (*len > MAX_ANSWER) return -1;
  *out = malloc(*len + 1);
  if (!*out || read_all(fd, *out, *len) < 0) return -1;
  return 0;
}

/* Returns the exit code, or -1 when the agent could not be reached (nothing was sent). */
static int forward(const char *path, const char *in, size_t inlen) {
  int fd = connect_agent(path);
  if (fd < 0) return -1;
  size_t reqlen;
  char *req = build_request(in, inlen, &reqlen);
  if (!req || write_all(fd, req, reqlen) < 0) return fail_midway("sending the request");
  shutdown(fd, SHUT_WR);
  unsigned char head[8];
  char *out = NULL, *err = NULL;
  uint32_t outlen, errlen;
  if (read_all(fd, head, 8) < 0 || memcmp(head, "WCNI", 4) != 0) return fail_midway("no answer");
  if (read_block(fd, &out, &outlen) < 0 || read_block(fd, &err, &errlen) < 0) return fail_midway("short answer");
  write_all(1, out, outlen);
  write_all(2, err, errlen);
  return (int)get_u32(head + 4);
}

#define MAX_JVM_ARGS 256

/* Appends s with every "$home" replaced by home; NULL when out of memory. */
static char *expand_home(const char *s, size_t len, const char *home) {
  size_t hl = strlen(home), cap = len + 1, n = 0;
  for (const char *p = s; (p = memmem(p, (size_t)(s + len - p), "$home", 5)) != NULL; p += 5) cap += hl;
  char *out = malloc(cap);
  if (!out) return NULL;
  for (size_t i = 0; i < len;) {
    if (len - i >= 5 && memcmp(s + i, "$home", 5) == 0) { memcpy(out + n, home, hl); n += hl; i += 5; }
    else out[n++] = s[i++];
  }
  out[n] = 0;
  return out;
}

/*
 * Executes the JVM with the command line in <home>/lib/weft-cni.jvmargs (one argument per line,
 * '#' lines skipped, "$home" expanded, an -XX:AOTCache= whose file is missing dropped, as the
 * launcher script does), then argv[1..]. Returns only when the file is missing or unusable.
 */
static void exec_jvm_direct(const char *home, char **argv) {
  char path[PATH_MAX + 32];
  snprintf(path, sizeof path, "%s/lib/weft-cni.jvmargs", home);
  FILE *f = fopen(path, "re");
  if (!f) return;
  char *args[MAX_JVM_ARGS + 2];
  int n = 0;
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  while ((len = getline(&line, &cap, f)) >= 0) {
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
    if (len == 0 || line[0] == '#') continue;
    char *arg = expand_home(line, (size_t)len, home);
    if (!arg) { fclose(f); return; }
    if (strncmp(arg, "-XX:AOTCache=", 13) == 0 && access(arg + 13, R_OK) != 0) { free(arg); continue; }
    if (n + 1 >= MAX_JVM_ARGS) { fclose(f); return; }
    args[n++] = arg;
    if (n == 1) {
      /* WEFT_CNI_TRACE: the trace's t0 is taken here, just before the exec, on CLOCK_MONOTONIC
         (the JVM's System.nanoTime clock) */
      const char *trace = getenv("WEFT_CNI_TRACE");
      if (trace && *trace) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        char *t0 = malloc(48);
        if (!t0) { fclose(f); return; }
        snprintf(t0, 48, "-Dweft.t0.mono=%lld", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
        args[n++] = t0;
      }
    }
  }
  free(line);
  fclose(f);
  if (n < 2) return;
  int extra = 0;
  while (argv[1 + extra]) extra++;
  if (n + extra > MAX_JVM_ARGS) return;
  for (int i = 0; i < extra; i++) args[n++] = argv[1 + i];
  args[n] = NULL;
  setenv("WEFT_HOME", home, 1);
  execv(args[0], args);
  fprintf(stderr, "weft-cni: cannot run %s: %s; trying the weft-cni-jvm launcher\n", args[0], strerror(errno));
}

/* Runs the JVM plugin with the same arguments, stdin replayed from memory. */
static int fallback(char **argv, const char *in, size_t inlen) {
  char self[PATH_MAX], jvm[PATH_MAX + 16];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n < 0) { perror("weft-cni: /proc/self/exe"); return 1; }
  self[n] = 0;
  char *slash = strrchr(self, '/');
  if (!slash) return 1;
  *slash = 0;
  snprintf(jvm, sizeof jvm, "%s/weft-cni-jvm", self);
  int mfd = memfd_create("cni-stdin", MFD_CLOEXEC);
  if (mfd < 0 || write_all(mfd, in, inlen) < 0 || lseek(mfd, 0, SEEK_SET) < 0 || dup2(mfd, 0) < 0) {
    perror("weft-cni: replaying stdin");
    return 1;
  }
  /* home = the directory above bin/ (the launcher script strips its last "/bin/" and the rest) */
  size_t dl = strlen(self);
  if (dl >= 4 && strcmp(self + dl - 4, "/bin") == 0) {
    char home[PATH_MAX];
    memcpy(home, self, dl - 4);
    home[dl - 4] = 0;
    exec_jvm_direct(home, argv);
  }
  argv[0] = jvm;
  execv(jvm, argv);
  fprintf(stderr, "weft-cni: cannot run %s: %s\n", jvm, strerror(errno));
  printf("{\"cniVersion\":\"1.0.0\",\"code\":5,\"msg\":\"weft-cni: cannot run %s\"}\n", jvm);
  return 1;
}

int main(int argc, char **argv) {
  (void)argc;
  size_t inlen = 0;
  char *in = slurp_stdin(&inlen);
  if (!in) { perror("weft-cni: reading stdin"); return 1; }
  char sock[sizeof(((struct sockaddr_un *)0)->sun_path)];
  if (getenv("WEFT_CNI_NO_AGENT") == NULL && find_socket(in, inlen, sock, sizeof sock)) {
    int exit_code = forward(sock, in, inlen);
    if (exit_code >= 0) return exit_code;
  }
  return fallback(argv, in, inlen);
}
