using System.Security.Cryptography;
using System.Text;
using DevServe;
using DevServe.Internal;
using Microsoft.AspNetCore.Http;
using SharpFuzz;

// One harness per parser, chosen by name: dotnet DevServe.Fuzz.dll kurl|stuffer|continuation|config|passwords|multipart|frames.
// Each runs under afl-fuzz (SharpFuzz's AFL mode) and crashes only on an exception the parser does not document.
var target = args.Length > 0 ? args[0] : "";
Action<Stream> harness = target switch
{
    "kurl" => KUrl,
    "stuffer" => Stuffer,
    "continuation" => Continuation,
    "config" => Config,
    "passwords" => PasswordsFile,
    "multipart" => Multipart,
    "frames" => Frames,
    _ => throw new ArgumentException("usage: DevServe.Fuzz kurl|stuffer|continuation|config|passwords|multipart|frames"),
};
Fuzzer.Run(harness);

static byte[] ReadAll(Stream stream)
{
    using var buffer = new MemoryStream();
    stream.CopyTo(buffer);
    return buffer.ToArray();
}

// k-urls and stateless ;c= values in a request path: parse or refuse, never throw.
static void KUrl(Stream input)
{
    var text = Encoding.Latin1.GetString(ReadAll(input));
    if (Uri.TryCreate("http://localhost/" + text, UriKind.Absolute, out var uri))
    {
        ContinuationUrl.TryParse(uri, null, out _, out _, out _);
        ContinuationUrl.TryParse(uri, "n1", out _, out _, out _);
        StatelessUrl.Find(uri);
        _ = new Request("GET", uri, [], Bindings.Empty, null, "127.0.0.1", 80, "127.0.0.1").Path;
    }
}

// The default stuffer chain (base64 → HMAC → gzip, hash store): TryOut refuses what it did not make, without throwing.
static void Stuffer(Stream input)
{
    var stuffer = Stuffers.Make(Fixed.Key, Fixed.Store);
    var bytes = ReadAll(input);
    stuffer.TryOut(bytes, out _);
    _ = StatelessUrl.TryUnstuff(Encoding.Latin1.GetString(bytes), stuffer, out var unstuffed) && StatelessUrl.TryRead(unstuffed, out _);
}

// What lies behind the signature (the stuffer harness cannot get past it): gunzip and the continuation's JSON.
// Only a server with the key makes these, but a refusal must still be a refusal, never an exception.
static void Continuation(Stream input)
{
    var bytes = ReadAll(input);
    Stuffers.Gzip().TryOut(bytes, out _);
    // What StatelessUrl.TryRead accepts, the replay makes requests of: that must never throw.
    if (StatelessContinuation.Json.TryOut(bytes, out var continuation) && continuation.IsWellFormed())
    {
        var now = new Request("GET", new Uri("http://localhost/"), [], Bindings.Empty, null, "127.0.0.1", 80, "127.0.0.1");
        foreach (var frame in continuation.Frames)
        {
            frame.Request.ToRequest(now);
            foreach (var entry in frame.Entries ?? [])
            {
                entry.Request?.ToRequest(now);
            }
        }
    }
}

// Stateless frame tokens behind the signature: read back (only this assembly's types), or one of three refusals.
static void Frames(Stream input)
{
    var now = new Request("GET", new Uri("http://localhost/"), [], Bindings.Empty, null, "127.0.0.1", 80, "127.0.0.1");
    try
    {
        FrameToken.Open(ReadAll(input), typeof(Fixed).Assembly, null, now);
    }
    catch (Exception e) when (e is InvalidTokenException or StaleFrameException or ExpiredTokenException)
    {
    }
}

// Configuration tables (JSON or s-expressions): a WebConfig or a WebConfigException.
static void Config(Stream input)
{
    try
    {
        WebConfig.Parse(Encoding.UTF8.GetString(ReadAll(input)), "site");
    }
    catch (WebConfigException)
    {
    }
}

// Racket's passwords file: realms or a FormatException.
static void PasswordsFile(Stream input)
{
    try
    {
        Dispatchers.PasswordsFile.Parse(Encoding.UTF8.GetString(ReadAll(input)), "passwords");
    }
    catch (FormatException)
    {
    }
}

// multipart/form-data bodies (boundary "b"): bindings or a BadHttpRequestException.
static void Multipart(Stream input)
{
    try
    {
        var parts = MultipartForm.ReadAsync(new MemoryStream(ReadAll(input)), "multipart/form-data; boundary=b", Fixed.Limits,
            CancellationToken.None).GetAwaiter().GetResult();
        foreach (var part in parts)
        {
            part.File?.Release();
        }
    }
    catch (BadHttpRequestException)
    {
    }
}

/// <summary>What every run shares: a key, a store in a temporary directory, small limits so spooling is reached.</summary>
internal static class Fixed
{
    public static readonly byte[] Key = SHA256.HashData("devserve fuzzing"u8);
    public static readonly DirectoryStore Store = new(Path.Combine(Path.GetTempPath(), "devserve-fuzz-store"));
    public static readonly SafetyLimits Limits = new() { FormDataFileMemoryThreshold = 64, MaxFormDataParts = 20 };
}
