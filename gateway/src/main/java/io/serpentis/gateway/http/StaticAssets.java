package io.serpentis.gateway.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Files served as they are, loaded into memory once at start-up: the dashboard from the {@code web/} classpath
 * prefix (the {@code serpentis-web} jar) and single resources such as {@code openapi.json}. Nothing touches the
 * filesystem per request and there is nothing to sanitise: an unknown path is simply absent. Immutable after
 * construction.
 */
public final class StaticAssets {

    /**
     * One file.
     *
     * @param bytes the content (never modified)
     * @param contentType the {@code Content-Type}
     * @param etag a strong ETag derived from the content
     */
    public record Asset(byte[] bytes, String contentType, String etag) {}

    private final Map<String, Asset> assets;

    private StaticAssets(Map<String, Asset> assets) {
        this.assets = Map.copyOf(assets);
    }

    /** The asset at request path {@code path} (e.g. {@code /app.js}), or {@code null}. */
    public @Nullable Asset get(String path) {
        return assets.get(path);
    }

    /** The number of assets. */
    public int size() {
        return assets.size();
    }

    /** Starts a set of assets. */
    public static Builder builder() {
        return new Builder();
    }

    /** Collects assets; not thread-safe. */
    public static final class Builder {
        private final Map<String, Asset> assets = new HashMap<>();

        /**
         * Adds every file under classpath directory {@code prefix} (e.g. {@code web}) at request path
         * {@code /<relative path>}; {@code index.html} files are also served at their directory's path.
         */
        public Builder addClasspathDirectory(ClassLoader loader, String prefix, String marker) {
            URL url = loader.getResource(prefix + "/" + marker);
            if (url == null) {
                throw new IllegalStateException("classpath resource " + prefix + "/" + marker + " is missing");
            }
            try {
                URI uri = url.toURI();
                if ("jar".equals(uri.getScheme())) {
                    try (FileSystem fs = FileSystems.newFileSystem(uri, Map.of())) {
                        addTree(fs.getPath("/" + prefix));
                    }
                } else {
                    addTree(Objects.requireNonNull(Path.of(uri).getParent(), prefix));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + prefix + " assets", e);
            } catch (URISyntaxException e) {
                throw new IllegalStateException(e);
            }
            return this;
        }

        private void addTree(Path root) throws IOException {
            try (Stream<Path> files = Files.walk(root)) {
                for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                    String relative = root.relativize(file).toString().replace('\\', '/');
                    byte[] bytes = Files.readAllBytes(file);
                    add("/" + relative, bytes);
                    if (relative.equals("index.html") || relative.endsWith("/index.html")) {
                        String dir = relative.substring(0, relative.length() - "index.html".length());
                        add("/" + dir, bytes, contentType(relative));
                    }
                }
            }
        }

        /**
         * Adds {@code files} of a webjar ({@code META-INF/resources/webjars/<artifact>/<version>/...}) under request
         * path {@code mount}; the version is read from the webjar's own Maven metadata, so upgrading the dependency
         * needs no code change.
         */
        public Builder addWebjarFiles(
                ClassLoader loader, String groupId, String artifactId, String mount, String... files) {
            String version;
            String props = "META-INF/maven/" + groupId + "/" + artifactId + "/pom.properties";
            try (InputStream in = loader.getResourceAsStream(props)) {
                if (in == null) {
                    throw new IllegalStateException(
                            "webjar " + groupId + ":" + artifactId + " is not on the classpath");
                }
                Properties p = new Properties();
                p.load(in);
                version = p.getProperty("version");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            String base = "META-INF/resources/webjars/" + artifactId + "/" + version + "/";
            for (String file : files) {
                String name = file.substring(file.lastIndexOf('/') + 1);
                addClasspathResource(loader, base + file, mount + name);
            }
            return this;
        }

        /** Adds classpath resource {@code resource} at request path {@code path}. */
        public Builder addClasspathResource(ClassLoader loader, String resource, String path) {
            try (InputStream in = loader.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("classpath resource " + resource + " is missing");
                }
                return add(path, in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /**
         * Replaces every occurrence of {@code from} in the UTF-8 text of the asset at {@code path} (a vendor bundle
         * that would otherwise reach the internet). Nothing happens when the text is absent, e.g. after an upgrade
         * of the bundle; the browser tests then show any new outside request.
         */
        public Builder replaceText(String path, String from, String to) {
            Asset a = assets.get(path);
            if (a != null) {
                String text = new String(a.bytes(), StandardCharsets.UTF_8);
                if (text.contains(from)) {
                    add(path, text.replace(from, to).getBytes(StandardCharsets.UTF_8), a.contentType());
                }
            }
            return this;
        }

        /** Adds {@code bytes} at {@code path}, typed by the path's extension. */
        public Builder add(String path, byte[] bytes) {
            return add(path, bytes, contentType(path));
        }

        /** Adds {@code bytes} at {@code path} with {@code contentType}. */
        public Builder add(String path, byte[] bytes, String contentType) {
            assets.put(path, new Asset(bytes, contentType, etag(bytes)));
            return this;
        }

        public StaticAssets build() {
            return new StaticAssets(assets);
        }
    }

    static String contentType(String path) {
        String p = path.toLowerCase(Locale.ROOT);
        int dot = p.lastIndexOf('.');
        String ext = dot < 0 ? "" : p.substring(dot + 1);
        return switch (ext) {
            case "html", "htm" -> "text/html; charset=utf-8";
            case "js", "mjs" -> "text/javascript; charset=utf-8";
            case "css" -> "text/css; charset=utf-8";
            case "json", "map" -> "application/json";
            case "svg" -> "image/svg+xml";
            case "png" -> "image/png";
            case "ico" -> "image/x-icon";
            case "txt" -> "text/plain; charset=utf-8";
            case "woff2" -> "font/woff2";
            default -> "application/octet-stream";
        };
    }

    private static String etag(byte[] bytes) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            return "\"" + HexFormat.of().formatHex(digest, 0, 12) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
