using System.Security.Cryptography;
using System.Text;
using CsCheck;
using DevServe.Internal;
using Microsoft.AspNetCore.Http;

namespace DevServe.Tests.Hardening;

/// <summary>
/// The parsers attacker or user input reaches, on random and mutated input: never an exception other than the
/// documented one. The same entry points are fuzzed (coverage-guided) by scripts/fuzz, outside this run.
/// </summary>
public sealed class ParserPropertyTests
{
    private static readonly Gen<string> s_urlish = Gen.String[Gen.Char["/;=.k0123456789abcdefxyz%-_~"], 0, 80];

    /// <summary>A valid sample mutated: a few characters replaced, removed or repeated at random.</summary>
    private static Gen<string> Mutated(string valid, string alphabet) =>
        Gen.Select(Gen.Int[0, valid.Length].Array[0, 4], Gen.Char[alphabet].Array[4], Gen.Int[0, 2].Array[4],
            (at, with, how) =>
            {
                var text = new StringBuilder(valid);
                for (var i = 0; i < at.Length; i++)
                {
                    var p = Math.Min(at[i], text.Length);
                    switch (how[i])
                    {
                        case 0 when p < text.Length:
                            text[p] = with[i];
                            break;
                        case 1 when p < text.Length:
                            text.Remove(p, 1);
                            break;
                        default:
                            text.Insert(p, with[i]);
                            break;
                    }
                }
                return text.ToString();
            });

    [Fact]
    public void Continuation_urls_parse_or_are_refused_without_an_exception()
    {
        s_urlish.Sample(path =>
        {
            if (Uri.TryCreate("http://localhost/" + path, UriKind.Absolute, out var uri))
            {
                ContinuationUrl.TryParse(uri, null, out _, out _, out _);
                ContinuationUrl.TryParse(uri, "n1", out _, out _, out _);
                ContinuationUrl.Has(uri);
                StatelessUrl.Find(uri);
            }
        }, iter: 5000);
    }

    [Fact]
    public void Stuffed_urls_that_do_not_check_out_are_refused_without_an_exception()
    {
        using var store = new TempDirectory();
        var stuffer = Stuffers.Make(RandomNumberGenerator.GetBytes(32), new DirectoryStore(store.Path));
        var payload = Encoding.UTF8.GetBytes("""{"f":[{"r":{"m":"GET","u":"/"},"e":[]}],"s":12}""");
        var valid = Encoding.ASCII.GetString(stuffer.In(payload));
        Gen.OneOf(Gen.String[Gen.Char["ABCxyz0189-_="], 0, 200], Mutated(valid, "ABCxyz0189-_=%/")).Sample(text =>
        {
            _ = StatelessUrl.TryUnstuff(text, stuffer, out var unstuffed) && StatelessUrl.TryRead(unstuffed, out _);
            // Only what was signed checks out: another spelling of the same base64 may, but never other content.
            return !stuffer.TryOut(Encoding.ASCII.GetBytes(text), out var content) || content.AsSpan().SequenceEqual(payload);
        }, iter: 3000);
        Gen.Byte.Array[0, 300].Sample(bytes => !stuffer.TryOut(bytes, out _) || bytes.Length > 0, iter: 2000);
    }

    private const string ValidTable = """
        ((port 8000) (max-waiting 511) (initial-connection-timeout 30)
         (default-host-table (host-table (default-indices "index.html") (log-format parenthesized-default)
           (messages (servlet-message "servlet-error.html") (file-not-found-message "not-found.html"))
           (timeouts (default-servlet-timeout 30) (password-connection-timeout 300))
           (paths (configuration-root "conf") (host-root ".") (file-root "htdocs") (password-authentication "passwords"))))
         (virtual-host-table ("blog\\.example\\.com" (host-table (paths (host-root "blog"))))))
        """;

    private const string ValidJson = """
        { "port": 8000, // a comment
          "defaultHost": { "indices": ["index.html"], "timeouts": { "defaultServlet": 30 }, "paths": { "fileRoot": "htdocs" } },
          "virtualHosts": [ { "name": "blog\\.example\\.com", "host": { "paths": { "hostRoot": "blog" } } } ] }
        """;

    [Fact]
    public void Configuration_files_load_or_fail_with_a_WebConfigException()
    {
        Assert.Equal(8000, WebConfig.Parse(ValidTable, "site.rkt").Port);
        Assert.Equal(8000, WebConfig.Parse(ValidJson, "site.json").Port);
        Gen.OneOf(Mutated(ValidTable, "()\"|#;'. 0123456789abcxyz-\\\n"), Mutated(ValidJson, "{}[]\":,/*0123456789aez-\\\n "),
                Gen.String[Gen.Char["()\"|#;'{}[]:, 0123456789.e-\\\n"], 0, 100])
            .Sample(text =>
            {
                try
                {
                    WebConfig.Parse(text, "site");
                }
                catch (WebConfigException)
                {
                }
            }, iter: 4000);
    }

    [Theory]   // what afl-fuzz found: numbers past an int overflowed instead of being refused
    [InlineData("((port 808888888888888))")]
    [InlineData("((port 8000.5))")]
    [InlineData("((max-waiting 511333333333333333333333333))")]
    [InlineData("((initial-connection-timeout 79228162514264337593543950335/0.1))")]
    [InlineData("{ \"port\": 808888888888888 }")]
    [InlineData("{ \"maxWaiting\": 1e40 }")]
    public void A_number_out_of_range_is_a_WebConfigException_naming_it(string text)
    {
        var error = Assert.Throws<WebConfigException>(() => WebConfig.Parse(text, "site"));
        Assert.Contains("site", error.Message);
    }

    private const string ValidPasswords = """'(("secret stuff" "/secret(/.*)?" (bubba "bbq") (|Billy| "BoB")) ("other" "^/o" (a "b")))""";

    [Fact]
    public void Passwords_files_load_or_fail_with_a_FormatException()
    {
        Assert.Equal(2, Dispatchers.PasswordsFile.Parse(ValidPasswords, "passwords").Length);
        Gen.OneOf(Mutated(ValidPasswords, "()\"|'. abc[]*+?\\{}"), Gen.String[Gen.Char["()\"|' ab[]*+?\\{}1"], 0, 60]).Sample(text =>
        {
            try
            {
                Dispatchers.PasswordsFile.Parse(text, "passwords");
            }
            catch (FormatException)
            {
            }
        }, iter: 4000);
    }

    private const string ValidMultipart = "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue\r\n"
        + "--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.txt\"\r\nContent-Type: text/plain\r\n\r\nfile body\r\n--b--\r\n";

    [Theory]   // what afl-fuzz found: a boundary line past the reader's limit inside a part escaped as InvalidDataException
    [InlineData("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue\r\n--b\rxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n--b--\r\n")]
    [InlineData("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue")]
    public async Task A_malformed_part_is_a_BadHttpRequestException(string body)
    {
        var error = await Assert.ThrowsAsync<BadHttpRequestException>(() => MultipartForm.ReadAsync(
            new MemoryStream(Encoding.ASCII.GetBytes(body)), "multipart/form-data; boundary=b", new SafetyLimits(), CancellationToken.None));
        Assert.InRange(error.StatusCode, 400, 413);
    }

    [Fact]
    public async Task Multipart_bodies_parse_or_fail_with_a_BadHttpRequestException()
    {
        var limits = new SafetyLimits { FormDataFileMemoryThreshold = 16 };
        Assert.Equal(2, (await MultipartForm.ReadAsync(new MemoryStream(Encoding.ASCII.GetBytes(ValidMultipart)),
            "multipart/form-data; boundary=b", limits, CancellationToken.None)).Length);
        await Gen.Select(Mutated(ValidMultipart, "-b\r\n:;=\" xf"), Gen.OneOf(Gen.Const("b"), Gen.Const("\"b\""), Gen.String[Gen.Char["b\"; -"], 0, 5]))
            .SampleAsync(async (body, boundary) =>
            {
                try
                {
                    var parts = await MultipartForm.ReadAsync(new MemoryStream(Encoding.ASCII.GetBytes(body)),
                        "multipart/form-data; boundary=" + boundary, limits, CancellationToken.None);
                    foreach (var part in parts)
                    {
                        part.File?.Release();
                    }
                }
                catch (BadHttpRequestException)
                {
                }
            }, iter: 3000);
    }

    private sealed record Item(string Name, int Count, List<string> Tags);

    // A handler whose closure holds only the item: what a page's embedded handler looks like.
    private static Func<Request, Task<Response>> HandlerOver(Item item) => _ => Response.Text(item.Name + item.Count + item.Tags.Count);

    [Fact]
    public void Frame_tokens_that_do_not_read_back_are_refused_with_their_documented_exceptions_only()
    {
        var now = TestRequests.Get(new Uri("http://localhost/"));
        var servlet = typeof(ParserPropertyTests).Assembly;
        var valid = FrameToken.Handler(HandlerOver(new Item("a", 3, ["x", "y"])), servlet, root: null)!;
        Assert.NotNull(FrameToken.Open(valid, servlet, null, now).Handler);   // the real one reads back

        void Refused(byte[] bytes)
        {
            try
            {
                FrameToken.Open(bytes, servlet, null, now);
            }
            catch (Exception e) when (e is InvalidTokenException or StaleFrameException or ExpiredTokenException)
            {
            }
        }
        Gen.Byte.Array[0, 200].Select(b => (byte[])[(byte)(1 + (b.Length % 2)), .. b]).Sample(Refused, iter: 3000);
        Gen.Int[0, valid.Length - 1].SelectMany(at => Gen.Byte.Select(b => (at, b))).Sample(change =>
        {
            var bytes = (byte[])valid.Clone();
            bytes[change.at] = change.b;
            Refused(bytes);
        }, iter: 3000);
        Gen.Int[1, valid.Length - 1].Sample(length => Refused(valid[..length]), iter: 500);
    }
}
