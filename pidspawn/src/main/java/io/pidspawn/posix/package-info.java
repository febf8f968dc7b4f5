/**
 * posix_spawn(3) and posix_spawnp(3) with their file actions and attributes, implemented on the
 * pidfd_spawn builder, for code ported from C or written against POSIX.
 *
 * <pre>{@code
 * FileActions fa = new FileActions()
 *         .addopen(1, "/tmp/out.txt", PidfdSpawn.O_WRONLY | PidfdSpawn.O_CREAT | PidfdSpawn.O_TRUNC, 0644);
 * SpawnAttributes attr = new SpawnAttributes()
 *         .setflags(SpawnAttributes.POSIX_SPAWN_SETPGROUP)
 *         .setpgroup(0);
 * Spawned child = PosixSpawn.posix_spawnp("date", fa, attr, List.of("date", "-u"), List.of("TZ=UTC"));
 * ExitStatus status = PidfdSpawn.pidfd_wait(child.pidfd(), 0);
 * PidfdSpawn.close(child.pidfd());
 * }</pre>
 *
 * <p>{@link io.pidspawn.posix.PosixSpawn} lists where POSIX and the builder differ and what this
 * layer does about it. Beyond POSIX, a spawn returns a pidfd the caller must close, and a failure
 * in the child before exec is reported as posix_spawn's errno, with no child left.
 */
package io.pidspawn.posix;
