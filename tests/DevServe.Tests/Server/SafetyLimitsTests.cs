namespace DevServe.Tests;

/// <summary>
/// Racket's limits probe (docs/design/racket-reference.md §9(c)). Racket closes the connection without a word on each violation;
/// DevServe keeps Racket's thresholds but answers with the status that says what was wrong.
/// </summary>
public sealed class SafetyLimitsTests : IAsyncLifetime
{
    private LoopbackServer _server = null!;

    public async Task InitializeAsync() => _server = await LoopbackServer.StartAsync(
        Dispatchers.Lift(r => Response.Text($"{r.Headers.Count} headers, {r.PostData?.Length ?? 0} bytes")));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<string> Send(string request)
    {
        using var connection = _server.Connect();
        try
        {
            await connection.SendAsync(request);
        }
        catch (IOException)
        {
            // The server may answer and close before a large request is fully sent; the answer is what counts.
        }
        return await connection.ReadToEndAsync();
    }

    private static string Get(string target, int extraHeaders = 0, string? bigHeader = null)
    {
        var headers = string.Concat(Enumerable.Range(0, extraHeaders).Select(i => $"X-H{i}: v\r\n"));
        return $"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{headers}{(bigHeader is null ? "" : $"X-Big: {bigHeader}\r\n")}\r\n";
    }

    [Fact]
    public async Task A_request_line_of_8192_bytes_is_served_and_8193_gets_414()
    {
        var overhead = "GET  HTTP/1.1".Length;
        Assert.StartsWith("HTTP/1.1 200 ", await Send(Get("/" + new string('a', 8192 - overhead - 1))));
        Assert.StartsWith("HTTP/1.1 414 ", await Send(Get("/" + new string('a', 8193 - overhead - 1))));
    }

    [Fact]
    public async Task Header_101_lines_are_served_and_102_get_431()
    {
        // Host and Connection are two of the lines.
        Assert.StartsWith("HTTP/1.1 200 ", await Send(Get("/", extraHeaders: 99)));
        Assert.StartsWith("HTTP/1.1 431 ", await Send(Get("/", extraHeaders: 100)));
    }

    [Fact]
    public async Task A_9000_byte_header_gets_431()
        => Assert.StartsWith("HTTP/1.1 431 ", await Send(Get("/", bigHeader: new string('b', 9000))));

    [Fact]
    public async Task A_malformed_request_line_gets_400()
        => Assert.StartsWith("HTTP/1.1 400 ", await Send("HELLO\r\n\r\n"));

    [Fact]
    public async Task A_non_numeric_content_length_gets_400()
        => Assert.StartsWith("HTTP/1.1 400 ", await Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"));

    [Fact]
    public async Task A_body_over_one_mebibyte_gets_413_before_it_is_sent()
        => Assert.StartsWith("HTTP/1.1 413 ", await Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1048577\r\n\r\n"));

    [Fact]
    public async Task A_body_of_one_mebibyte_is_accepted()
    {
        var text = await Send("POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 1048576\r\n\r\n" + new string('z', 1048576));
        Assert.StartsWith("HTTP/1.1 200 ", text);
        Assert.EndsWith("1048576 bytes", text);
    }

    [Fact]
    public async Task A_chunked_body_over_the_limit_gets_413()
    {
        var chunk = $"{0x10000:x}\r\n{new string('c', 0x10000)}\r\n";
        var text = await Send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + string.Concat(Enumerable.Repeat(chunk, 17)) + "0\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 413 ", text);
    }

    [Fact]
    public async Task Http_1_1_without_host_is_400()
        // Racket answers; RFC 9112 §3.2 says a server MUST answer 400, and Kestrel does.
        => Assert.StartsWith("HTTP/1.1 400 ", await Send("GET / HTTP/1.1\r\nConnection: close\r\n\r\n"));

    [Fact]
    public async Task A_bad_multipart_body_gets_400_not_a_500()
        => Assert.StartsWith("HTTP/1.1 400 ", await Send(
            "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: multipart/form-data\r\nContent-Length: 3\r\n\r\nabc"));

    [Fact]
    public async Task A_form_with_too_many_fields_gets_413()
    {
        var limited = await LoopbackServer.StartAsync(Dispatchers.Lift(_ => Response.Text("ok")), new SafetyLimits { MaxFormDataFields = 2 });
        await using var _ = limited;
        var body = string.Concat(Enumerable.Range(0, 3).Select(i => $"--B\r\nContent-Disposition: form-data; name=\"f{i}\"\r\n\r\nv\r\n")) + "--B--\r\n";
        using var connection = limited.Connect();
        await connection.SendAsync($"POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: multipart/form-data; boundary=B\r\nContent-Length: {body.Length}\r\n\r\n{body}");
        Assert.StartsWith("HTTP/1.1 413 ", await connection.ReadToEndAsync());
    }
}
