using System.Net;

namespace DevServe.Tests;

/// <summary>Racket's dispatchers/dispatch-files tests (docs/design/racket-reference.md §8.3), over real HTTP.</summary>
public sealed class FilesTests : IAsyncLifetime
{
    // 81 bytes, like Racket's test file.
    private const string Content = "<html><head><title>A test file</title></head><body><p>Hello.</p></body></html>\n\n\n";
    private readonly TempDirectory _root = new();
    private LoopbackServer _server = null!;

    public async Task InitializeAsync()
    {
        Assert.Equal(81, Content.Length);
        _root.Write("test.html", Content);
        _root.Write("foo/index.html", "index of foo");
        Directory.CreateDirectory(Path.Combine(_root.Path, "empty"));
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(_root.Path)!, Path.GetFileName(_root.Path) + "-secret.txt"), "secret");
        _server = await LoopbackServer.StartAsync(Dispatchers.Sequencer(
            Dispatchers.Filter(new("^/foo/"), Dispatchers.Files(_root.Path, cacheControl: "immutable, max-age=89432, public")),
            Dispatchers.Files(_root.Path)));
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        File.Delete(Path.Combine(Path.GetDirectoryName(_root.Path)!, Path.GetFileName(_root.Path) + "-secret.txt"));
        _root.Dispose();
    }

    [Fact]
    public async Task Get_serves_the_file_with_length_ranges_and_dates()
    {
        var response = await _server.Client.GetAsync("/test.html");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("bytes", string.Join(",", response.Headers.AcceptRanges));
        Assert.Equal(81, response.Content.Headers.ContentLength);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        Assert.NotNull(response.Headers.Date);
        Assert.NotNull(response.Content.Headers.LastModified);
        Assert.Equal("DevServe", response.Headers.Server.ToString());
        Assert.Equal(Content, await response.Content.ReadAsStringAsync());
        Assert.Null(response.Headers.CacheControl);
    }

    [Fact]
    public async Task An_edited_file_is_served_as_it_is_now_even_at_the_same_length()
    {
        _root.Write("edited.txt", "aaaa");
        Assert.Equal("aaaa", await _server.Client.GetStringAsync("/edited.txt"));
        Assert.Equal("aaaa", await _server.Client.GetStringAsync("/edited.txt"));   // kept in memory now
        var path = Path.Combine(_root.Path, "edited.txt");
        var before = File.GetLastWriteTimeUtc(path);
        _root.Write("edited.txt", "bbbb");
        File.SetLastWriteTimeUtc(path, before.AddSeconds(2));   // a clock tick later, whatever the file system's granularity
        Assert.Equal("bbbb", await _server.Client.GetStringAsync("/edited.txt"));
        _root.Write("edited.txt", "longer now");
        Assert.Equal("longer now", await _server.Client.GetStringAsync("/edited.txt"));
    }

    [Fact]
    public async Task A_link_to_a_file_is_answered_with_the_file_as_it_is_now()
    {
        _root.Write("target.txt", "the first version, rather long");
        File.CreateSymbolicLink(Path.Combine(_root.Path, "link.txt"), "target.txt");
        Assert.Equal("the first version, rather long", await _server.Client.GetStringAsync("/link.txt"));
        _root.Write("target.txt", "second");   // the link itself does not change
        Assert.Equal("second", await _server.Client.GetStringAsync("/link.txt"));
    }

    [Fact]
    public async Task A_file_larger_than_the_memory_kept_is_sent_whole_and_in_ranges()
    {
        var bytes = new byte[3 * 64 * 1024 + 17];
        new Random(7).NextBytes(bytes);
        File.WriteAllBytes(Path.Combine(_root.Path, "large.bin"), bytes);
        Assert.Equal(bytes, await _server.Client.GetByteArrayAsync("/large.bin"));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/large.bin");
        request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(100_000, 150_000);
        using var part = await _server.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal(bytes[100_000..150_001], await part.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Cache_control_is_sent_when_configured()
    {
        using var connection = _server.Connect();   // raw: HttpClient would reorder the directives
        await connection.SendAsync("GET /foo/index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.Contains("\r\nCache-Control: immutable, max-age=89432, public\r\n", await connection.ReadToEndAsync());
    }

    [Fact]
    public async Task Head_gets_the_same_headers_and_no_body()
    {
        var text = await _server.RawAsync("HEAD /test.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK", text);
        Assert.Contains("Content-Length: 81\r\n", text);
        Assert.EndsWith("\r\n\r\n", text);
    }

    [Theory]
    [InlineData("bytes=0-80", "bytes 0-80/81", 0, 81)]
    [InlineData("bytes=5-9", "bytes 5-9/81", 5, 5)]
    [InlineData("bytes=-10", "bytes 71-80/81", 71, 10)]
    [InlineData("bytes=70-", "bytes 70-80/81", 70, 11)]
    public async Task Range_gets_206_with_the_part(string range, string contentRange, int from, int length)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/test.html");
        request.Headers.TryAddWithoutValidation("Range", range);
        var response = await _server.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal("Partial content", response.ReasonPhrase);
        Assert.Equal(contentRange, response.Content.Headers.ContentRange!.ToString());
        Assert.Equal(Content.Substring(from, length), await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Several_ranges_come_as_multipart_byteranges()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/test.html");
        request.Headers.TryAddWithoutValidation("Range", "bytes=0-5,10-12");
        var response = await _server.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal("multipart/byteranges", response.Content.Headers.ContentType!.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(response.Content.Headers.ContentLength, body.Length);
        Assert.Contains("Content-Range: bytes 0-5/81\r\n\r\n" + Content[..6], body);
        Assert.Contains("Content-Range: bytes 10-12/81\r\n\r\n" + Content[10..13], body);
    }

    [Fact]
    public async Task An_unsatisfiable_range_gets_416()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/test.html");
        request.Headers.TryAddWithoutValidation("Range", "bytes=100-200");
        var response = await _server.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, response.StatusCode);
        Assert.Equal("bytes */81", response.Content.Headers.ContentRange!.ToString());
    }

    [Fact]
    public async Task A_malformed_range_is_ignored_and_the_whole_file_served()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/test.html");
        request.Headers.TryAddWithoutValidation("Range", "bytes=banana");
        var response = await _server.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Content, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task If_modified_since_and_if_none_match_get_304()
    {
        var first = await _server.Client.GetAsync("/test.html");
        using var since = new HttpRequestMessage(HttpMethod.Get, "/test.html");
        since.Headers.IfModifiedSince = first.Content.Headers.LastModified;
        Assert.Equal(HttpStatusCode.NotModified, (await _server.Client.SendAsync(since)).StatusCode);
        using var match = new HttpRequestMessage(HttpMethod.Get, "/test.html");
        match.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        Assert.Equal(HttpStatusCode.NotModified, (await _server.Client.SendAsync(match)).StatusCode);
        using var old = new HttpRequestMessage(HttpMethod.Get, "/test.html");
        old.Headers.IfModifiedSince = first.Content.Headers.LastModified!.Value.AddDays(-1);
        Assert.Equal(HttpStatusCode.OK, (await _server.Client.SendAsync(old)).StatusCode);
    }

    [Fact]
    public async Task A_directory_url_serves_its_index()
        => Assert.Equal("index of foo", await _server.Client.GetStringAsync("/foo/"));

    [Fact]
    public async Task A_directory_without_its_slash_redirects_with_302()
    {
        var text = await _server.RawAsync("GET /foo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 302 Found\r\n", text);
        Assert.Contains("Location: /foo/\r\n", text);
        Assert.Contains("Content-Length: 0\r\n", text);
        Assert.EndsWith("\r\n\r\n", text);
    }

    [Theory]
    [InlineData("GET", "/missing.html")]
    [InlineData("GET", "/empty/")]
    [InlineData("POST", "/test.html")]
    public async Task Missing_files_directories_without_index_and_other_methods_pass_on(string method, string url)
    {
        var response = await _server.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), url));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("/../{0}-secret.txt")]
    [InlineData("/%2e%2e/{0}-secret.txt")]
    [InlineData("/foo/..%2f..%2f{0}-secret.txt")]
    [InlineData("/foo/%2e%2e%5c%2e%2e%5c{0}-secret.txt")]
    public async Task No_url_reaches_outside_the_root(string pattern)
    {
        var text = await _server.RawAsync($"GET {string.Format(pattern, Path.GetFileName(_root.Path))} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.DoesNotContain("secret\r\n", text);
        Assert.False(text.EndsWith("secret", StringComparison.Ordinal), text);
        Assert.Matches("^HTTP/1.1 (400|404) ", text);
    }
}
