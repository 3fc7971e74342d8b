// SPDX-License-Identifier: GPL-2.0
/* ksm-loader enroll PID: bpf_ksm_enroll_task() from outside the process. */
#include "loader.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <ksm_ext/enroll.h>

#include "enroll.skel.h"

/* Does the running kernel carry the ksm_ext patches? */
static bool kernel_has_kfunc(const char *name)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	bool found;

	if (!vmlinux)
		return false;
	found = btf__find_by_name_kind(vmlinux, name, BTF_KIND_FUNC) >= 0;
	btf__free(vmlinux);
	return found;
}

int cmd_enroll(const struct loader_opts *o, int pid)
{
	struct ksm_ext_enroll_args args = { .pid = pid };
	LIBBPF_OPTS(bpf_test_run_opts, run, .ctx_in = &args,
		    .ctx_size_in = sizeof(args));
	struct enroll *skel;
	int err, ret = EXIT_FAIL;

	if (require_root())
		return EXIT_FAIL;
	if (!kernel_has_kfunc("bpf_ksm_enroll_task")) {
		fprintf(stderr, "ksm-loader: this kernel has no ksm_ext support (no bpf_ksm_enroll_task kfunc): stats and tuning still work; a process can enrol itself with prctl(PR_SET_MEMORY_MERGE)\n");
		return EXIT_FAIL;
	}
	skel = enroll__open_and_load();
	if (!skel) {
		fprintf(stderr, "ksm-loader: loading the enrol program: %s (run with -v for the verifier log)\n",
			BPF_STRERROR(errno));
		return EXIT_FAIL;
	}
	err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.enroll), &run);
	if (err) {
		fprintf(stderr, "ksm-loader: running the enrol program: %s\n", BPF_STRERROR(errno));
		goto cleanup;
	}
	/* The kernel copies the context, with the program's result, back
	 * into args. */
	if (args.ret) {
		fprintf(stderr, "ksm-loader: enrolling pid %d: %s\n", pid, strerror(-args.ret));
		goto cleanup;
	}
	if (!o->json)
		printf("ksm-loader: pid %d enrolled for merging\n", pid);
	ret = EXIT_OK;
cleanup:
	enroll__destroy(skel);
	return ret;
}
