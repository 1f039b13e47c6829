/* orbit-probe: a small static program for the integration tests, copied into
 * test images. With no arguments it prints, as one JSON object, what a test
 * wants to assert about the process it runs as: arguments, environment,
 * identity, working directory, hostname, namespaces and mounts.
 *
 *   orbit-probe                  print the JSON report and exit 0
 *   orbit-probe exit N           exit with status N
 *   orbit-probe signal SIG       kill itself with signal number SIG
 *   orbit-probe sleep SECONDS    sleep, then exit 0 (exits 0 on SIGTERM too)
 *   orbit-probe append FILE TEXT append TEXT and a newline to FILE
 *   orbit-probe wait FILE SECS   wait until FILE exists (exit 1 on timeout)
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static void json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static void print_argv(int argc, char **argv)
{
    printf("\"argv\":[");
    for (int i = 0; i < argc; i++) {
        if (i)
            putchar(',');
        json_string(argv[i]);
    }
    printf("]");
}

static void print_env(void)
{
    printf(",\"env\":{");
    for (char **e = environ; *e; e++) {
        char *eq = strchr(*e, '=');
        if (!eq)
            continue;
        *eq = '\0';
        if (e != environ)
            putchar(',');
        json_string(*e);
        putchar(':');
        json_string(eq + 1);
        *eq = '=';
    }
    printf("}");
}

static void print_identity(void)
{
    gid_t groups[256];
    int n = getgroups(256, groups);
    printf(",\"uid\":%u,\"gid\":%u,\"euid\":%u,\"egid\":%u,\"groups\":[", getuid(), getgid(),
           geteuid(), getegid());
    for (int i = 0; i < n; i++)
        printf("%s%u", i ? "," : "", groups[i]);
    printf("],\"pid\":%d,\"ppid\":%d", getpid(), getppid());
}

static void print_strings(void)
{
    char buf[4096];
    printf(",\"cwd\":");
    json_string(getcwd(buf, sizeof(buf)) ? buf : "");
    printf(",\"hostname\":");
    json_string(gethostname(buf, sizeof(buf)) == 0 ? buf : "");
}

static void print_namespaces(void)
{
    static const char *const kinds[] = {"pid", "mnt", "ipc", "uts", "net", "user", "cgroup"};
    printf(",\"ns\":{");
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        char path[64], target[128];
        snprintf(path, sizeof(path), "/proc/self/ns/%s", kinds[i]);
        ssize_t n = readlink(path, target, sizeof(target) - 1);
        target[n > 0 ? n : 0] = '\0';
        printf("%s\"%s\":", i ? "," : "", kinds[i]);
        json_string(target);
    }
    printf("}");
}

/* Mount points and their options, from mountinfo (fields 5 and 6). */
static void print_mounts(void)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    printf(",\"mounts\":[");
    char line[4096];
    bool first = true;
    while (f && fgets(line, sizeof(line), f)) {
        char *field[7] = {0};
        char *save = NULL, *p = line;
        for (int i = 0; i < 7 && (field[i] = strtok_r(p, " ", &save)); i++)
            p = NULL;
        if (!field[5])
            continue;
        printf("%s{\"target\":", first ? "" : ",");
        json_string(field[4]);
        printf(",\"options\":");
        json_string(field[5]);
        printf("}");
        first = false;
    }
    printf("]");
    if (f)
        fclose(f);
}

static int report(int argc, char **argv)
{
    printf("{");
    print_argv(argc, argv);
    print_env();
    print_identity();
    print_strings();
    print_namespaces();
    print_mounts();
    printf("}\n");
    return 0;
}

static void on_term(int sig)
{
    (void)sig;
    _exit(0);
}

static int wait_for(const char *path, int seconds)
{
    struct timespec step = {0, 20 * 1000 * 1000};
    for (int i = 0; i < seconds * 50; i++) {
        if (access(path, F_OK) == 0)
            return 0;
        nanosleep(&step, NULL);
    }
    return 1;
}

static int append(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return 1;
    dprintf(fd, "%s\n", text);
    return close(fd) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    if (argc == 1)
        return report(argc, argv);
    if (strcmp(argv[1], "exit") == 0 && argc == 3)
        return atoi(argv[2]);
    if (strcmp(argv[1], "signal") == 0 && argc == 3) {
        signal(atoi(argv[2]), SIG_DFL);
        raise(atoi(argv[2]));
        return 1;
    }
    if (strcmp(argv[1], "sleep") == 0 && argc == 3) {
        signal(SIGTERM, on_term);
        sleep((unsigned)atoi(argv[2]));
        return 0;
    }
    if (strcmp(argv[1], "append") == 0 && argc == 4)
        return append(argv[2], argv[3]);
    if (strcmp(argv[1], "wait") == 0 && argc == 4)
        return wait_for(argv[2], atoi(argv[3]));
    return report(argc, argv);
}
