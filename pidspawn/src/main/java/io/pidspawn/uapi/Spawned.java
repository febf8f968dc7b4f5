package io.pidspawn.uapi;

/**
 * A child {@link PidfdSpawn#pidfd_spawn_run} started. The caller owns the pidfd and must close it; for a
 * one-fd ({@link PidfdSpawn#PIDFD_EMPTY}) builder it is the builder's own fd number.
 *
 * @param pid the child's process id
 * @param pidfd the child's pidfd
 * @param cgroup the cgroups the run created for the child ({@code cgroup.own}, the limits), or null:
 *     the caller owns them too, and removes them once the child is reaped ({@link ChildCgroup#remove()})
 */
public record Spawned(int pid, int pidfd, ChildCgroup cgroup) {
    /**
     * A child without cgroups of its own.
     *
     * @param pid the child's process id
     * @param pidfd the child's pidfd
     */
    public Spawned(int pid, int pidfd) {
        this(pid, pidfd, null);
    }
}
