// SPDX-License-Identifier: GPL-2.0
/*
 * policy-cycle OBJ N: attach and detach the ksm_ext policy in OBJ N times
 * through struct_ops links, while ksmd scans, checking ext_policy after each
 * step.  The object is loaded once, so the cycles exercise the kernel's
 * attach/detach path, not the verifier.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#define EXT_POLICY "/sys/kernel/mm/ksm/ext_policy"

static int read_policy(char *buf, size_t len)
{
	FILE *f = fopen(EXT_POLICY, "r");

	if (!f)
		return -errno;
	if (!fgets(buf, len, f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* Wait up to a second for ext_policy to read @want. */
static int expect_policy(const char *want)
{
	char have[128] = "";
	int i, err;

	for (i = 0; i < 100; i++) {
		err = read_policy(have, sizeof(have));
		if (err)
			return err;
		if (!strcmp(have, want))
			return 0;
		usleep(10000);
	}
	fprintf(stderr, "policy-cycle: ext_policy is '%s', want '%s'\n", have, want);
	return -EINVAL;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_map *map, *ops = NULL;
	struct bpf_link *link;
	long cycles, i;
	char *end;
	int ret = 1;

	if (argc != 3 || (cycles = strtol(argv[2], &end, 10)) < 1 || *end) {
		fprintf(stderr, "usage: policy-cycle OBJ.bpf.o N\n");
		return 2;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "policy-cycle: loading %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	bpf_object__for_each_map(map, obj)
		if (bpf_map__type(map) == BPF_MAP_TYPE_STRUCT_OPS)
			ops = map;
	if (!ops) {
		fprintf(stderr, "policy-cycle: no struct_ops map in %s\n", argv[1]);
		goto out;
	}
	srand(time(NULL));
	for (i = 0; i < cycles; i++) {
		link = bpf_map__attach_struct_ops(ops);
		if (!link) {
			fprintf(stderr, "policy-cycle: attach %ld: %s\n", i, strerror(errno));
			goto out;
		}
		if (expect_policy(bpf_map__name(ops))) {
			bpf_link__destroy(link);
			goto out;
		}
		/* Let ksmd run into the policy somewhere in its scan. */
		usleep(rand() % 20000);
		bpf_link__destroy(link);
		if (expect_policy("none"))
			goto out;
		usleep(rand() % 5000);
	}
	printf("policy-cycle: %ld attach/detach cycles of %s\n", cycles, bpf_map__name(ops));
	ret = 0;
out:
	bpf_object__close(obj);
	return ret;
}
