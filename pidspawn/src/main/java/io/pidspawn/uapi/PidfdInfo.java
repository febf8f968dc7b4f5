package io.pidspawn.uapi;

import io.pidspawn.ExitStatus;

/**
 * What the kernel says about a pidfd's process (ioctl PIDFD_GET_INFO, Linux 6.13, with a /proc
 * fallback).
 *
 * @param pid the process id in the caller's pid namespace
 * @param ppid its parent
 * @param ruid real uid
 * @param euid effective uid
 * @param rgid real gid
 * @param egid effective gid
 * @param cgroupId the cgroup2 id, or 0 where unknown
 * @param exit how it ended, once it has exited and been reaped (PIDFD_INFO_EXIT, Linux 6.15); else null
 * @param fromIoctl whether PIDFD_GET_INFO answered (false: read from /proc)
 */
public record PidfdInfo(int pid, int ppid, int ruid, int euid, int rgid, int egid, long cgroupId,
                        ExitStatus exit, boolean fromIoctl) {}
