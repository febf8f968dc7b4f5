/**
 * Starting and supervising Linux processes: {@link io.pidspawn.Command} is a reusable recipe for
 * a program, {@link io.pidspawn.Child} a process it started, held by its pidfd.
 *
 * <pre>{@code
 * try (Command ls = Command.builder("ls").args("-1").build()) {
 *     Output out = ls.output(Capture.defaults().withTimeout(Duration.ofSeconds(5)));
 *     if (!out.success()) {
 *         throw new IOException("ls: " + out.status() + ": " + out.stderrText());
 *     }
 *     System.out.print(out.stdoutText());
 * }
 * }</pre>
 *
 * <p>A command finds and pins its executable and compiles its configuration once, when it is
 * built; each spawn then sends only what differs ({@link io.pidspawn.SpawnOverrides}). Where the
 * child's stdin, stdout and stderr come from or go is a {@link io.pidspawn.Stdio};
 * {@link io.pidspawn.Command#output} collects them into an {@link io.pidspawn.Output}, with the
 * input, timeout and limit of a {@link io.pidspawn.Capture}. How a child ended is an
 * {@link io.pidspawn.ExitStatus}, with what it used ({@link io.pidspawn.Usage}).
 *
 * <p>A child can run on a pseudo-terminal ({@link io.pidspawn.Stdio#pty()}, this side of it its
 * {@link io.pidspawn.Terminal}), be piped into other children by the kernel
 * ({@link io.pidspawn.Pipeline}), and hand its output as it comes, in chunks
 * ({@link io.pidspawn.OutputListener}) or lines ({@link io.pidspawn.LineListener}), to
 * {@link io.pidspawn.Child#onOutput(OutputListener)}.
 *
 * <h2>Threads</h2>
 * Every child is reaped by the library's one reaper thread ({@code pidspawn-reaper}) as soon as
 * it exits, whether anyone waits for it or not; the same thread reads the pipes of
 * {@code output()} calls and keeps their timeouts. Exit callbacks ({@link io.pidspawn.Child#onExit()})
 * run on one more thread, {@code pidspawn-exit}. Commands and children may be used from any
 * thread; waiting parks virtual threads without pinning a carrier.
 *
 * <p>Output listeners are read for by the reaper too, and run on {@code pidspawn-exit} or on an
 * executor given to {@link io.pidspawn.Child#onOutput(OutputListener, java.util.concurrent.Executor)},
 * one call at a time per child: a thousand children streaming at once need no thread but these
 * two. A stream is read again only once its listener returned, so a slow listener leaves the
 * output in the pipe and the child blocks in write(2), instead of this process buffering it; on
 * {@code pidspawn-exit} it also delays every other callback there.
 *
 * <h2>Errors</h2>
 * A failed spawn throws a {@link io.pidspawn.SpawnException} naming the step
 * ({@link io.pidspawn.SpawnStep}) and the errno, and leaves nothing behind: no fd, no child.
 * A configuration the system refuses throws a {@link io.pidspawn.ConfigException} from
 * {@link io.pidspawn.Command.Builder#build()}, naming the method and its value; any other failed
 * call an {@link io.pidspawn.ErrnoException}. Both are {@link java.io.IOException}s.
 *
 * <p>The library calls native code: run with {@code --enable-native-access=io.pidspawn} on the
 * module path, {@code --enable-native-access=ALL-UNNAMED} on the class path.
 */
package io.pidspawn;
