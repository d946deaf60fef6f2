using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace DevServe.Tests;

/// <summary>Racket's web-server-test e2e suites (docs/design/racket-reference.md §8.1), against real servers.</summary>
public sealed class EndToEndTests
{
    [Theory]
    [InlineData("/", "nothing")]
    [InlineData("/?message=", "")]
    [InlineData("/?message=hello", "hello")]
    [InlineData("/?message=hello%3D%26", "hello=&")]
    public async Task Echo_answers_the_message_binding(string url, string expected)
    {
        await using var server = await LoopbackServer.StartAsync(
            Dispatchers.Lift(r => Response.Text(r.Bindings["message"] ?? "nothing")));
        Assert.Equal(expected, await server.Client.GetStringAsync(url));
    }

    private static Dispatcher HeadApp => Dispatchers.Lift(_ => Response.Streamed(
        output => output.WriteAsync("hello\n"u8.ToArray()).AsTask(), headers: [new Header("X-Example", "Found")]));

    [Fact]
    public async Task Head_app_streams_a_chunked_body_to_GET()
    {
        await using var server = await LoopbackServer.StartAsync(HeadApp);
        using var connection = server.Connect();
        // Racket's test half-closes after the request; Kestrel takes a FIN for the client leaving and drops the
        // response, so the request asks for the close instead. (Racket sends no Host; HTTP/1.1 requires one, and Kestrel answers 400 without it: see Http_1_1_without_host_is_400.)
        await connection.SendAsync("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        var text = await connection.ReadToEndAsync();
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", text);
        Assert.Contains("X-Example: Found\r\n", text);
        Assert.Contains("Transfer-Encoding: chunked\r\n", text);
        Assert.EndsWith("\r\n\r\n6\r\nhello\n\r\n0\r\n\r\n", text);
    }

    [Fact]
    public async Task Head_request_gets_headers_and_zero_body_bytes()
    {
        await using var server = await LoopbackServer.StartAsync(HeadApp);
        var text = await server.RawAsync("HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", text);
        Assert.Contains("X-Example: Found\r\n", text);
        Assert.EndsWith("\r\n\r\n", text);
        Assert.Equal(text.Length, text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4);
    }

    private sealed record Book(string Title, string Author);

    [Fact]
    public async Task Json_books_app_round_trips_and_rejects_bad_input()
    {
        var books = new List<Book>();
        var dispatch = Dispatchers.Sequencer(
            Dispatchers.Method("GET", Dispatchers.PathProcedure("/books", _ => Response.Json(books))),
            Dispatchers.Method("POST", Dispatchers.PathProcedure("/books", r =>
            {
                using var doc = JsonDocument.Parse(r.PostData!.Value);   // invalid JSON throws: 500, as in Racket
                if (!doc.RootElement.TryGetProperty("title", out var title) || !doc.RootElement.TryGetProperty("author", out var author))
                {
                    return Response.Json(new { error = "title and author are required" }, code: 400);
                }
                lock (books)
                {
                    books.Add(new Book(title.GetString()!, author.GetString()!));
                }
                return Response.Json(new { ok = true });
            })));
        await using var server = await LoopbackServer.StartAsync(dispatch, new SafetyLimits { MaxRequestBodyLength = 255 });
        var client = server.Client;
        Assert.Equal("[]", await client.GetStringAsync("/books"));

        var created = await client.PostAsync("/books", Json("""{"title":"Mechanica","author":"Euler"}"""));
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.Equal("OK", created.ReasonPhrase);
        Assert.Equal("""[{"title":"Mechanica","author":"Euler"}]""", await client.GetStringAsync("/books"));

        var missing = await client.PostAsync("/books", Json("""{"title":"Mechanica"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("\"error\"", await missing.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.InternalServerError, (await client.PostAsync("/books", Json("invalid"))).StatusCode);

        // Racket closes the connection without a word; DevServe says why.
        var tooBig = await client.PostAsync("/books", new ByteArrayContent(new byte[512]));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooBig.StatusCode);
        Assert.Single(books);
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    private static Task<LoopbackServer> UploadServer() => LoopbackServer.StartAsync(
        Dispatchers.Lift(r => Response.Text(string.Concat(r.Bindings.Files.Select(f =>
            Convert.ToHexStringLower(SHA1.HashData(f.ReadAllBytes())) + "\n")))),
        new SafetyLimits { MaxFormDataFiles = 2, MaxFormDataFileLength = 500, FormDataFileMemoryThreshold = 250 });

    private static string Multipart(params byte[][] files)
    {
        var body = new StringBuilder();
        foreach (var file in files)
        {
            body.Append("--BOUNDARY\r\nContent-Disposition: application/octet-stream; filename=\"data\"; name=\"file\"\r\n\r\n")
                .Append(Encoding.Latin1.GetString(file)).Append("\r\n");
        }
        body.Append("--BOUNDARY--\r\n");
        return $"POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: multipart/form-data; boundary=BOUNDARY\r\n"
            + $"Content-Length: {Encoding.Latin1.GetByteCount(body.ToString())}\r\n\r\n{body}";
    }

    private static async Task<string> Upload(LoopbackServer server, params byte[][] files)
    {
        using var connection = server.Connect();
        await connection.SendAsync(Multipart(files));
        return await connection.ReadToEndAsync();
    }

    [Fact]
    public async Task File_upload_hashes_each_file_including_spooled_ones()
    {
        await using var server = await UploadServer();
        Assert.EndsWith("\r\n\r\naaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d\n", await Upload(server, "hello"u8.ToArray()));
        Assert.EndsWith("\r\n\r\naaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d\n3c8ec4874488f6090a157b014ce3397ca8e06d4f\n",
            await Upload(server, "hello"u8.ToArray(), "goodbye"u8.ToArray()));
        // 350 bytes is above the 250-byte memory threshold: spooled to disk, same answer.
        Assert.EndsWith("\r\n\r\n948905d56e776f1efa1e026b309c6669b089a2fa\n", await Upload(server, new byte[350]));
    }

    [Fact]
    public async Task File_upload_over_the_form_limits_gets_413()
    {
        await using var server = await UploadServer();
        // Racket closes the connection (no status line); DevServe answers 413.
        Assert.StartsWith("HTTP/1.1 413 ", await Upload(server, "a"u8.ToArray(), "b"u8.ToArray(), "c"u8.ToArray()));
        Assert.StartsWith("HTTP/1.1 413 ", await Upload(server, new byte[501]));
    }

    [Fact]
    public async Task An_endless_upload_is_cut_off_with_413()
    {
        await using var server = await UploadServer();
        using var connection = server.Connect();
        await connection.SendAsync("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=B\r\nTransfer-Encoding: chunked\r\n\r\n");
        var head = "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"endless\"\r\n\r\n";
        await connection.SendAsync($"{head.Length:x}\r\n{head}\r\n");
        var reading = connection.ReadToEndAsync(TimeSpan.FromSeconds(20));
        var chunk = Encoding.ASCII.GetBytes($"{1000:x}\r\n{new string('z', 1000)}\r\n");
        try
        {
            for (var i = 0; i < 10_000 && !reading.IsCompleted; i++)
            {
                await connection.SendAsync(chunk);
            }
        }
        catch (IOException)
        {
            // The server closed the connection while we were still sending: that is the cut-off.
        }
        Assert.StartsWith("HTTP/1.1 413 ", await reading);
    }

    [Fact]
    public async Task Max_concurrent_queues_connections_instead_of_refusing_them()
    {
        await using var server = await LoopbackServer.StartAsync(Dispatchers.Lift(_ => Response.Text("ok")),
            new SafetyLimits { MaxConcurrent = 1, MaxWaiting = 10 });
        // The limit counts connections, as Racket's does: an idle keep-alive connection would hold the one slot.
        server.Client.DefaultRequestHeaders.ConnectionClose = true;
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("ok", await server.Client.GetStringAsync("/"));
        }
        var connections = Enumerable.Range(0, 10).Select(_ => server.Connect()).ToList();
        try
        {
            foreach (var c in connections)
            {
                // Racket half-closes; Kestrel would take that for the client leaving (see Head_app_streams...).
                await c.SendAsync("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            }
            // Each connection ends after its one request, freeing the slot for the next.
            foreach (var text in await Task.WhenAll(connections.Select(c => c.ReadToEndAsync(TimeSpan.FromSeconds(20)))))
            {
                Assert.StartsWith("HTTP/1.1 200 OK", text);
                Assert.EndsWith("\r\n\r\nok", text);
            }
        }
        finally
        {
            connections.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task Read_write_echoes_and_a_slow_sender_is_cut_off()
    {
        await using var server = await LoopbackServer.StartAsync(
            Dispatchers.Lift(r => Response.Text(Encoding.UTF8.GetString(r.PostData?.ToArray() ?? []))),
            new SafetyLimits { RequestReadTimeout = TimeSpan.FromSeconds(1) });
        var echoed = await server.Client.PostAsync("/", new StringContent("hello world"));
        Assert.Equal("hello world", await echoed.Content.ReadAsStringAsync());

        using var connection = server.Connect();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var reading = connection.ReadToEndAsync(TimeSpan.FromSeconds(15));
        try
        {
            foreach (var c in "POST / HTTP/1.1\r\n")
            {
                if (reading.IsCompleted)
                {
                    break;
                }
                await connection.SendAsync(c.ToString());
                await Task.Delay(250);   // the slow sender under test, not synchronisation
            }
        }
        catch (IOException)
        {
        }
        var text = await reading;
        // Kestrel checks its timeouts once a second; Racket's 1 s timer fires at 1 s. Racket sends nothing; Kestrel 408.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4.5), $"closed after {watch.Elapsed}");
        Assert.True(text.Length == 0 || text.StartsWith("HTTP/1.1 408 ", StringComparison.Ordinal), text);
    }

    [Fact]
    public async Task Tls_serves_https_from_pem_files_the_test_generates()
    {
        using var dir = new TempDirectory();
        var tls = TestCertificates.WritePem(dir.Path);
        await using var server = await LoopbackServer.StartAsync(Dispatchers.Lift(_ => Response.Text("success!")), tls: tls);
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert?.Subject == "CN=localhost" };
        using var client = new HttpClient(handler);
        Assert.Equal("success!", await client.GetStringAsync($"https://127.0.0.1:{server.Port}/"));
    }

    [Fact]
    public async Task Connection_close_option_closes_after_one_request()
    {
        await using var server = await LoopbackServer.StartAsync(Dispatchers.Lift(_ => Response.Text("one")), connectionClose: true);
        var text = await server.RawAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Contains("Connection: close\r\n", text);
        Assert.Single(text.Split("HTTP/1.1 200").Skip(1));
    }

    [Fact]
    public async Task Keep_alive_serves_pipelined_requests_in_order()
    {
        await using var server = await LoopbackServer.StartAsync(Dispatchers.Lift(r => Response.Text(r.Path)));
        var text = await server.RawAsync("GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.True(text.IndexOf("/first", StringComparison.Ordinal) < text.IndexOf("/second", StringComparison.Ordinal));
        Assert.Equal(2, text.Split("HTTP/1.1 200 OK").Length - 1);
    }

    [Fact]
    public async Task Http_1_0_without_host_gets_an_answer_and_a_closed_connection()
    {
        await using var server = await LoopbackServer.StartAsync(Dispatchers.Lift(r => Response.Text(r.Uri.Host)));
        using var connection = server.Connect();
        await connection.SendAsync("GET / HTTP/1.0\r\n\r\n");
        var text = await connection.ReadToEndAsync();   // ends: the server closed the connection
        Assert.StartsWith("HTTP/1.1 200 OK", text);
        Assert.EndsWith("127.0.0.1", text);
    }

    [Fact]
    public async Task Chunked_request_bodies_are_decoded()
    {
        await using var server = await LoopbackServer.StartAsync(
            Dispatchers.Lift(r => Response.Text(Encoding.UTF8.GetString(r.PostData!.Value.Span))));
        Assert.EndsWith("\r\n\r\nhello world", await server.RawAsync("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
    }

    [Fact]
    public async Task Request_carries_method_uri_addresses_headers_and_form_bindings_in_order()
    {
        Request? seen = null;
        await using var server = await LoopbackServer.StartAsync(Dispatchers.Lift(r => { seen = r; return Response.Text("ok"); }));
        using var content = new FormUrlEncodedContent([new("a", "2"), new("b", "x y"), new("a", "3")]);
        using var message = new HttpRequestMessage(HttpMethod.Post, "/p%20q?a=1&c") { Content = content };
        message.Headers.Add("X-Custom", "v");
        await server.Client.SendAsync(message);
        Assert.NotNull(seen);
        Assert.Equal("POST", seen!.Method);
        Assert.Equal($"http://127.0.0.1:{server.Port}/p%20q?a=1&c", seen.Uri.AbsoluteUri);
        Assert.Equal("/p q", seen.Path);
        Assert.Equal("127.0.0.1", seen.ClientIp);
        Assert.Equal("127.0.0.1", seen.HostIp);
        Assert.Equal(server.Port, seen.HostPort);
        Assert.Equal("v", seen.Header("x-custom"));
        Assert.Equal(["1", "2", "3"], seen.Bindings.All("a"));
        Assert.Equal("1", seen.Bindings["a"]);
        Assert.Equal("x y", seen.Bindings["b"]);
        Assert.True(seen.Bindings.Contains("c"));
        Assert.Equal("", seen.Bindings["c"]);
        Assert.Equal("a=2&b=x+y&a=3", Encoding.UTF8.GetString(seen.PostData!.Value.Span));
    }

    [Fact]
    public async Task Multipart_fields_and_files_arrive_as_bindings()
    {
        Request? seen = null;
        await using var server = await LoopbackServer.StartAsync(Dispatchers.Lift(r => { seen = r; return Response.Text("ok"); }));
        using var form = new MultipartFormDataContent
        {
            { new StringContent("first"), "title" },
            { new ByteArrayContent("file body"u8.ToArray()) { Headers = { ContentType = new MediaTypeHeaderValue("text/plain") } }, "upload", "notes.txt" },
        };
        (await server.Client.PostAsync("/", form)).EnsureSuccessStatusCode();
        Assert.Equal("first", seen!.Bindings["title"]);
        Assert.Equal("notes.txt", seen.Bindings["upload"]);
        var file = seen.Bindings.File("upload")!;
        Assert.Equal("notes.txt", file.FileName);
        Assert.Equal("file body", Encoding.UTF8.GetString(file.ReadAllBytes()));
        Assert.Contains(file.Headers, h => h.Field == "Content-Type" && h.Value == "text/plain");
        Assert.Null(seen.PostData);
    }
}
