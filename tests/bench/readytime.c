/*
 * readytime: how long a server takes from exec to its ready file, for
 * `make bench`.
 *
 *     readytime N READY-FILE COMMAND ARGS...
 *
 * Starts COMMAND N times (1 to 1000), one after the other. Each time it
 * removes READY-FILE, takes the monotonic time, forks and execs COMMAND
 * (whose arguments should tell it to write READY-FILE, on port 0), and
 * waits with inotify for READY-FILE to be renamed or written into place,
 * for at most 5 s. Then it stops the server with SIGTERM and waits for
 * it. COMMAND's stdout and stderr go to /dev/null.
 *
 * Prints one line: "median MS min MS max MS" in milliseconds with three
 * decimals. Exits 0, 1 when a start failed or timed out, 2 on bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define RUNS_MAX 1000
#define WAIT_MS 5000


static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}


static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}


/* Fork and exec argv with its output discarded. Returns the pid, or -1
 * with a message. */
static pid_t spawn(char **argv)
{
	pid_t pid = fork();

	if (pid < 0) {
		perror("readytime: fork");
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0) {
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	return pid;
}


/* Wait on the inotify descriptor until path exists, WAIT_MS at most.
 * Returns 0, or -1 on a timeout. */
static int wait_for(int in, const char *path, double started)
{
	char events[4096];
	struct stat st;

	while (stat(path, &st) != 0) {
		int left = WAIT_MS - (int)(now_ms() - started);
		struct pollfd p = {in, POLLIN, 0};

		if (left <= 0 || poll(&p, 1, left) <= 0)
			return -1;
		if (read(in, events, sizeof(events)) < 0 && errno != EAGAIN)
			return -1;
	}
	return 0;
}


/* One start: the milliseconds to ready in *ms. Returns 0 or -1. */
static int one_run(int in, const char *path, char **argv, double *ms)
{
	double started;
	pid_t pid;
	int rc;

	unlink(path);
	started = now_ms();
	pid = spawn(argv);
	if (pid < 0)
		return -1;
	rc = wait_for(in, path, started);
	*ms = now_ms() - started;

	kill(pid, SIGTERM);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	unlink(path);
	if (rc < 0)
		fprintf(stderr, "readytime: no %s within %d ms\n", path,
			WAIT_MS);
	return rc;
}


int main(int argc, char **argv)
{
	static double ms[RUNS_MAX];
	char dir[PATH_MAX];
	int n, in, rc = 0;

	n = argc > 3 ? atoi(argv[1]) : 0;
	if (n < 1 || n > RUNS_MAX || strlen(argv[2]) >= sizeof(dir)) {
		fprintf(stderr, "usage: readytime N READY-FILE COMMAND "
				"ARGS...\n");
		return 2;
	}
	strcpy(dir, argv[2]);
	in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (in < 0 || inotify_add_watch(in, dirname(dir), IN_CREATE |
					IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
		perror("readytime: inotify");
		return 1;
	}

	for (int i = 0; i < n && rc == 0; i++)
		rc = one_run(in, argv[2], argv + 3, &ms[i]);
	close(in);
	if (rc < 0)
		return 1;

	qsort(ms, (size_t)n, sizeof(ms[0]), by_value);
	printf("median %.3f min %.3f max %.3f\n",
	       n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2,
	       ms[0], ms[n - 1]);
	return 0;
}
