package io.pidspawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * src/build/Reversion.java, which the build runs on target/lib's picocli jar so that the AOT
 * cache can hold its classes: every Java 5 class file comes out as version 52, passes the
 * type-checking verifier (no fallback to the old one exists for version 52) and still works;
 * a copy already up to date is left as it is.
 */
class ReversionTest {
    @TempDir
    Path dir;

    @Test
    void picocliComesOutVerifiableAndWorking() throws Exception {
        Path picocli = picocliJar();
        List<String> classes = classNames(picocli);
        assertThat(classes).hasSizeGreaterThan(100);
        assertThat(majorVersions(picocli)).as("picocli as Maven Central has it").containsOnly(49);

        Path jar = dir.resolve("picocli.jar");
        String out = reversion(picocli, jar);
        assertThat(out).contains(classes.size() + " class files");
        assertThat(majorVersions(jar)).containsOnly(52);
        assertThat(classNames(jar)).isEqualTo(classes);

        // Initialising a class links it, and linking verifies it: a wrong stack map is a VerifyError here.
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader())) {
            for (String name : classes) {
                Class<?> c = Class.forName(name, true, loader);
                assertThat(c.getClassLoader()).isSameAs(loader);
            }
        }
        // And the rewritten code runs: a command's model read from its annotations, parsed, its help drawn.
        Path demo = dir.resolve("Demo.java");
        Files.writeString(demo, """
                import picocli.CommandLine;
                import picocli.CommandLine.Command;
                import picocli.CommandLine.Option;
                import picocli.CommandLine.Parameters;

                @Command(name = "demo", mixinStandardHelpOptions = true, description = "Waits.")
                public class Demo implements Runnable {
                    @Option(names = "--timeout", description = "How long to wait.") String timeout;
                    @Parameters String[] argv;
                    public void run() { System.out.println("timeout=" + timeout + " argv=" + String.join(",", argv)); }
                    public static void main(String[] args) {
                        int status = new CommandLine(new Demo()).execute(args);
                        new CommandLine(new Demo()).usage(System.out);
                        System.exit(status);
                    }
                }
                """);
        String shown = java("-Xshare:off", "-cp", jar.toString(), demo.toString(), "--timeout", "5s", "--", "/bin/true", "x");
        assertThat(shown).startsWith("timeout=5s argv=/bin/true,x\n").contains("--timeout=<timeout>", "How long to wait.");
    }

    @Test
    void aCopyUpToDateIsLeftAsItIs() throws Exception {
        Path jar = dir.resolve("picocli.jar");
        reversion(picocliJar(), jar);
        byte[] bytes = Files.readAllBytes(jar);
        FileTime before = FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() - 60_000);
        Files.setLastModifiedTime(jar, before);

        assertThat(reversion(picocliJar(), jar)).contains("up to date");
        assertThat(Files.getLastModifiedTime(jar)).isEqualTo(before); // the AOT cache made for it stays valid
        assertThat(Files.readAllBytes(jar)).isEqualTo(bytes);
        assertThat(dir.toFile().list()).containsExactly("picocli.jar"); // no temporary file left

        // A copy that went wrong (here: the class files of another jar) is written again.
        Files.copy(picocliJar(), jar, StandardCopyOption.REPLACE_EXISTING);
        assertThat(reversion(picocliJar(), jar)).doesNotContain("up to date");
        assertThat(Files.readAllBytes(jar)).isEqualTo(bytes);
    }

    private static Path picocliJar() throws Exception {
        return Path.of(CommandLine.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    /** Runs src/build/Reversion.java from one jar to another, as the build does; returns its stdout. */
    static String reversion(Path from, Path to) throws IOException, InterruptedException {
        return java(Path.of("src/build/Reversion.java").toAbsolutePath().toString(), from.toString(), to.toString());
    }

    /** Runs this JDK's java with args; returns its stdout, once it exited 0. */
    private static String java(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("did not finish: " + command);
        }
        assertThat(p.exitValue()).as(command + ": " + out).isZero();
        return out;
    }

    private static List<String> classNames(Path jar) throws IOException {
        return List.copyOf(classVersions(jar).keySet());
    }

    private static List<Integer> majorVersions(Path jar) throws IOException {
        return List.copyOf(classVersions(jar).values());
    }

    /** Each class's name and major version, in the jar's order; module-info and versioned entries aside. */
    private static Map<String, Integer> classVersions(Path jar) throws IOException {
        Map<String, Integer> versions = new LinkedHashMap<>();
        try (JarFile f = new JarFile(jar.toFile(), false)) {
            for (JarEntry e : Collections.list(f.entries())) {
                String n = e.getName();
                if (n.endsWith(".class") && !n.startsWith("META-INF/") && !n.equals("module-info.class")) {
                    try (InputStream in = f.getInputStream(e)) {
                        byte[] head = in.readNBytes(8);
                        versions.put(n.substring(0, n.length() - ".class".length()).replace('/', '.'),
                                ((head[6] & 0xff) << 8) | (head[7] & 0xff));
                    }
                }
            }
        }
        return versions;
    }
}
