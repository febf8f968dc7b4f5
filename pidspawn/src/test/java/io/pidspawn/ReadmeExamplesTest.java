package io.pidspawn;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The code shown in the README and in the javadoc of the stream classes is the code of the
 * examples project, which bin/test compiles and runs: each shown block must equal its region of
 * an example ({@code // [readme:NAME]} to {@code // [/readme:NAME]}, without the example's own
 * {@code Check.} lines), so that an example shown cannot stop compiling unnoticed.
 */
class ReadmeExamplesTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path EXAMPLES = ROOT.resolve("examples/src/main/java/io/pidspawn/examples");
    private static final Path SOURCES = Path.of("src/main/java/io/pidspawn");
    private static final Pattern MARKER = Pattern.compile("<!-- (examples/\\S+\\.java) (\\S+) -->\\n```java\\n(.*?)```", Pattern.DOTALL);

    @Test
    void everyMarkedReadmeBlockIsItsExample() throws IOException {
        Matcher m = MARKER.matcher(Files.readString(ROOT.resolve("README.md")));
        List<String> checked = new ArrayList<>();
        while (m.find()) {
            assertThat(m.group(3)).as("README block %s", m.group(2)).isEqualTo(region(ROOT.resolve(m.group(1)), m.group(2)));
            checked.add(m.group(2));
        }
        assertThat(checked).containsExactlyInAnyOrder("pty", "pipeline", "lines");
    }

    @Test
    void theJavadocExamplesAreTheExamples() throws IOException {
        assertThat(javadocBlock(SOURCES.resolve("package-info.java"))).isEqualTo(region(EXAMPLES.resolve("CaptureWithTimeout.java"), "package"));
        assertThat(javadocBlock(SOURCES.resolve("Terminal.java"))).isEqualTo(region(EXAMPLES.resolve("OnATerminal.java"), "pty"));
        assertThat(javadocBlock(SOURCES.resolve("Pipeline.java"))).isEqualTo(region(EXAMPLES.resolve("Pipelines.java"), "pipeline"));
        assertThat(javadocBlock(SOURCES.resolve("LineListener.java"))).isEqualTo(region(EXAMPLES.resolve("LineCallbacks.java"), "lines"));
    }

    /** The region's lines, the Check lines dropped and the common indentation removed, each ending in a newline. */
    private static String region(Path file, String name) throws IOException {
        List<String> all = Files.readAllLines(file);
        int from = all.indexOf(indentOf(all, "// [readme:" + name + "]") + "// [readme:" + name + "]");
        int to = all.indexOf(indentOf(all, "// [/readme:" + name + "]") + "// [/readme:" + name + "]");
        assertThat(from).as("region %s in %s", name, file).isNotNegative().isLessThan(to);
        List<String> lines = all.subList(from + 1, to).stream().filter(l -> !l.strip().startsWith("Check.")).toList();
        int indent = lines.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        StringBuilder b = new StringBuilder();
        for (String l : lines) {
            b.append(l.isBlank() ? "" : l.substring(indent)).append('\n');
        }
        return b.toString();
    }

    private static String indentOf(List<String> lines, String marker) {
        for (String l : lines) {
            if (l.strip().equals(marker)) {
                return l.substring(0, l.indexOf(marker));
            }
        }
        return "";
    }

    /** The first {@code <pre>{@code ...}</pre>} block of a source's javadoc, without its " * " prefixes. */
    private static String javadocBlock(Path source) throws IOException {
        String text = Files.readString(source);
        int start = text.indexOf("<pre>{@code\n");
        assertThat(start).as("an example in %s", source).isNotNegative();
        start += "<pre>{@code\n".length();
        int end = text.lastIndexOf('\n', text.indexOf("}</pre>", start)) + 1;
        StringBuilder b = new StringBuilder();
        for (String l : text.substring(start, end).split("\n")) {
            String s = l.stripLeading();
            s = s.startsWith("*") ? s.substring(1) : s;
            b.append(s.startsWith(" ") ? s.substring(1) : s).append('\n');
        }
        return b.toString();
    }
}
