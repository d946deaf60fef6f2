namespace DevServe.Tests;

/// <summary>Racket's filesystem-map tests (docs/design/racket-reference.md §8.3).</summary>
public sealed class FilesystemMapTests
{
    private static readonly string s_root = Path.Combine(Path.GetTempPath(), "root");

    private static string? Map(string path) => FilesystemMap.UrlToPath(s_root, new Uri("http://x" + path));

    [Fact]
    public void Dot_dot_never_leaves_the_root()
    {
        // System.Uri resolves dot segments (also %2E%2E) the way browsers do, before any dispatcher sees the path;
        // what is left above the root is dropped, so "/../etc/passwd" names a file under the root.
        Assert.Equal(Path.Combine(s_root, "b"), Map("/a/%2E%2E/b"));
        Assert.Equal(Path.Combine(s_root, "etc", "passwd"), Map("/../../etc/passwd"));
        // An encoded slash or backslash inside a segment would smuggle a separator past that: no mapping.
        Assert.Null(Map("/a/..%2Fb"));
        Assert.Null(Map("/a/..%5C..%5Cb"));
    }

    [Fact]
    public void Path_parameters_are_stripped() => Assert.Equal(Path.Combine(s_root, "a", "b"), Map("/a;foo/b;k=1"));

    [Fact]
    public void Empty_segments_are_fine() => Assert.Equal(Path.Combine(s_root, "a", "b"), Map("//a//b"));

    [Fact]
    public void Segments_are_decoded() => Assert.Equal(Path.Combine(s_root, "a b"), Map("/a%20b"));

    [Fact]
    public void The_root_maps_to_the_root() => Assert.Equal(s_root, Map("/"));

    [Fact]
    public void Range_headers_parse_into_every_range()
    {
        Assert.Equal([(1L, 10L), (20L, 99L), (70L, 99L)], Dispatchers.ParseRanges("bytes=1-10,20-,-30", 100)!);
        Assert.Null(Dispatchers.ParseRanges("bytes=x-y", 100));
        Assert.Null(Dispatchers.ParseRanges("items=1-2", 100));
        Assert.Empty(Dispatchers.ParseRanges("bytes=200-300", 100)!);
    }
}
