/* Benchmark only: loads a BPF object, attaches every program (or only the named ones), prints
 * {"programs":[{"name":…,"id":…},…]} and keeps them attached until stdin closes (so they
 * go away with the process that started it, whatever happens to it). */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s <object.bpf.o> [program ...]\n", argv[0]);
		return 2;
	}
	struct bpf_object *o = bpf_object__open_file(argv[1], NULL);
	struct bpf_program *p;
	if (o && argc > 2) {
		bpf_object__for_each_program (p, o) {
			bool want = false;
			for (int i = 2; i < argc; i++)
				want = want || strcmp(bpf_program__name(p), argv[i]) == 0;
			bpf_program__set_autoload(p, want);
		}
	}
	if (!o || bpf_object__load(o)) {
		fprintf(stderr, "bpfattach: load %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	bool first = true;
	printf("{\"programs\":[");
	bpf_object__for_each_program (p, o) {
		if (!bpf_program__autoload(p))
			continue;
		if (!bpf_program__attach(p)) {
			fprintf(stderr, "bpfattach: attach %s: %s\n", bpf_program__name(p), strerror(errno));
			return 1;
		}
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		memset(&info, 0, sizeof(info));
		bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len);
		printf("%s{\"name\":\"%s\",\"id\":%u}", first ? "" : ",", bpf_program__name(p), info.id);
		first = false;
	}
	printf("]}\n");
	fflush(stdout);
	char b[64];
	while (read(0, b, sizeof(b)) > 0) {
	}
	return 0;
}
