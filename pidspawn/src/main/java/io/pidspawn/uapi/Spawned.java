package io.pidspawn.uapi;

/**
 * A child {@link PidfdSpawn#pidfd_spawn_run} started. The caller owns the pidfd and must close it; for a
 * one-fd ({@link PidfdSpawn#PIDFD_EMPTY}) builder it is the builder's own fd number.
 */
public record Spawned(int pid, int pidfd) {}
