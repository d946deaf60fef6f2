using CsCheck;
using DevServe.Internal;

namespace DevServe.Tests;

/// <summary>
/// <see cref="UrlPath"/> normalizes into one buffer for speed; these hold it to the plain definition, one string per
/// segment, on random paths full of the characters that matter (realm and file decisions rest on it).
/// </summary>
public sealed class UrlPathTests
{
    private static readonly string[] s_pieces =
        ["/", "//", ";", ";k=1", ".", "..", "a", "b", "%2F", "%2e", "%2E%2E", "%C3%A9", "%C3", "%FF", "%", "%2", "%20"];

    // Slashes, params, dots and escapes: encoded slashes and dots, two-byte UTF-8, and broken sequences.
    private static readonly Gen<string> s_paths = Gen.Int[0, s_pieces.Length - 1].Array[0, 12]
        .Select(picks => string.Concat(picks.Select(i => s_pieces[i])));

    [Fact]
    public void The_decoded_path_is_each_segment_without_params_decoded_with_dot_segments_resolved()
    {
        s_paths.Sample(path =>
        {
            if (Uri.TryCreate("http://localhost/" + path, UriKind.Absolute, out var uri))
            {
                Assert.Equal(DecodedBySegments(uri.AbsolutePath), UrlPath.Decoded(uri));
            }
        }, iter: 20_000);
    }

    [Fact]
    public void Stripping_params_joins_the_nonempty_segments_cut_at_their_semicolons()
    {
        s_paths.Sample(path =>
        {
            if (Uri.TryCreate("http://localhost/" + path, UriKind.Absolute, out var uri))
            {
                Assert.Equal(StrippedBySegments(uri.AbsolutePath), UrlPath.StripParams(uri.AbsolutePath));
            }
        }, iter: 20_000);
    }

    [Theory]
    [InlineData("/a%20b;x//c/", "/a b/c/")]
    [InlineData("/;k=1.2.3", "/")]
    [InlineData("/a/%2e%2e/b", "/b")]
    [InlineData("/a%2Fb/%2e%2e/c", "/c")]
    [InlineData("/a/..;x/b;y/", "/b/")]
    public void Examples_decode_as_documented(string path, string decoded)
        => Assert.Equal(decoded, UrlPath.Decoded(new Uri("http://localhost" + path)));

    private static string DecodedBySegments(string raw)
    {
        var kept = new List<string>();
        var trailingSlash = false;
        foreach (var part in raw.Split('/'))
        {
            var semi = part.IndexOf(';');
            var segment = Uri.UnescapeDataString(semi < 0 ? part : part[..semi]);
            trailingSlash = segment is "" or ".";
            if (trailingSlash)
            {
                continue;
            }
            if (segment == "..")
            {
                if (kept.Count > 0)
                {
                    kept.RemoveAt(kept.Count - 1);
                }
                trailingSlash = true;
                continue;
            }
            kept.Add(segment);
        }
        return kept.Count == 0 ? "/" : "/" + string.Join('/', kept) + (trailingSlash ? "/" : "");
    }

    private static string StrippedBySegments(string raw)
    {
        var segments = raw.Split('/').Select(s => s.IndexOf(';') is var semi and >= 0 ? s[..semi] : s).ToArray();
        var nonEmpty = segments.Where(s => s.Length > 0).ToArray();
        return nonEmpty.Length == 0 ? "/" : "/" + string.Join('/', nonEmpty) + (segments[^1].Length == 0 ? "/" : "");
    }
}
