package dev.weft.agent.lease;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The subnet this node held last, kept in a small JSON file ({@code <stateDir>/subnet.json},
 * {@code {"node":"n1","subnet":"10.244.3.0/24"}}) across restarts. Node names and CIDRs need no escaping, so the two
 * fields are written and read without a JSON library.
 */
final class SubnetStateFile {
    private static final Pattern NODE = Pattern.compile("\"node\"\\s*:\\s*\"([^\"]*)\"");
    private static final Pattern SUBNET = Pattern.compile("\"subnet\"\\s*:\\s*\"([^\"]*)\"");
    private final Path path;

    SubnetStateFile(Path path) { this.path = path; }

    /** The remembered subnet of that node; empty when there is no file, another node's, or an unreadable one. */
    Optional<Cidr> read(String nodeName) {
        if (path == null || !Files.isRegularFile(path)) return Optional.empty();
        try {
            String json = Files.readString(path);
            Matcher node = NODE.matcher(json);
            Matcher subnet = SUBNET.matcher(json);
            if (!node.find() || !subnet.find() || !nodeName.equals(node.group(1))) return Optional.empty();
            return Optional.of(Cidr.parse(subnet.group(1)));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Writes atomically (temp file + rename). */
    void write(String nodeName, Cidr subnet) {
        if (path == null) return;
        try {
            if (path.getParent() != null) Files.createDirectories(path.getParent());
            Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
            Files.writeString(tmp, "{\"node\":\"" + nodeName + "\",\"subnet\":\"" + subnet + "\"}\n");
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write subnet state " + path + ": " + e.getMessage(), e);
        }
    }
}
