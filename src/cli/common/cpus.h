/*
 * cpus.h - how many CPUs this process may use: the default of --threads.
 *
 * Not the machine's total (sysconf): a job under Slurm, taskset or a container
 * gets a share of the cores, as an affinity mask (cpuset) or as a CPU-time
 * quota (cgroup cpu.max / cpu.cfs_quota_us). More threads than that share only
 * queue behind each other. The count is
 *
 *   min(CPUs in sched_getaffinity, ceil(quota / period) of the tightest cgroup
 *       quota of this process's cgroup and its ancestors), at least 1.
 *
 *   xbar_set_threads(cli_cpus_available());
 *
 * The cgroup files are looked up under /sys/fs/cgroup (v2: cpu.max) and
 * /sys/fs/cgroup/cpu,cpuacct or /sys/fs/cgroup/cpu (v1: cpu.cfs_quota_us and
 * cpu.cfs_period_us), at the path /proc/self/cgroup names and each folder
 * above it up to the mount's root (a container with its own cgroup namespace
 * sees its own cgroup at the root). Missing or unreadable files mean no cap.
 */
#ifndef XBAR_CLI_CPUS_H
#define XBAR_CLI_CPUS_H

/** CPUs this process may use (see above); >= 1. Reads /proc and /sys on each call. */
int cli_cpus_available(void);

/** CPUs in this process's affinity mask (sched_getaffinity); >= 1 (1 if the call fails). */
int cli_cpus_affinity(void);

/**
 * The cap of the quotas of cgroup folders under the mounts in `root` (normally
 * "/sys/fs/cgroup"; a test passes a folder of its own) for this cgroup path:
 * `proc_cgroup` is the text of /proc/self/cgroup ("0::/a/b" lines for v2,
 * "4:cpu,cpuacct:/a/b" for v1). Checks ROOT/P/cpu.max (v2) and
 * ROOT/cpu,cpuacct/P and ROOT/cpu/P (v1) for P the path and each folder above it.
 * @return the smallest ceil(quota / period) found, or 0 if no quota caps the CPUs.
 */
int cli_cgroup_cpu_cap(const char *root, const char *proc_cgroup);

/**
 * Parse a cgroup v2 `cpu.max` text, "QUOTA PERIOD\n" in microseconds (QUOTA
 * may be "max"; PERIOD may be left out: 100000).
 * @return ceil(QUOTA / PERIOD) (>= 1), 0 for "max" (no cap), -1 if malformed.
 */
int cli_cpu_max_parse(const char *text);

/**
 * Parse cgroup v1 `cpu.cfs_quota_us` and `cpu.cfs_period_us` texts.
 * @return ceil(quota / period) (>= 1), 0 for quota -1 (no cap), -1 if malformed.
 */
int cli_cfs_quota_parse(const char *quota, const char *period);

#endif
