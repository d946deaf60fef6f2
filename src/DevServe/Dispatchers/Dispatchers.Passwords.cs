using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using DevServe.Internal;

namespace DevServe;

public static partial class Dispatchers
{
    /// <summary>
    /// Guards realms with HTTP Basic authentication: a request whose path matches a realm and lacks valid credentials
    /// gets 401 with <c>WWW-Authenticate: Basic realm="…"</c>; every other request passes on.
    /// </summary>
    /// <param name="passwordsFile">
    /// Racket's format, reread whenever the file changes:
    /// <c>'(("realm" "path-regexp" (user "password") ...) ...)</c>. User names compare case-insensitively.
    /// </param>
    /// <param name="authenticationResponder">The 401 page for a request and realm; <c>null</c> = a short HTML page.</param>
    /// <remarks>Racket: <c>make</c> in dispatchers/dispatch-passwords.rkt with <c>password-file-&gt;authorized?</c>.</remarks>
    public static Dispatcher Passwords(string passwordsFile, Func<Request, string, Response>? authenticationResponder = null)
    {
        ArgumentNullException.ThrowIfNull(passwordsFile);
        var realms = new PasswordsFile(passwordsFile);
        var respond = authenticationResponder ?? ((_, realm) => ErrorPages.Status(401, $"Authorization is required for \"{realm}\"."));
        return request =>
        {
            var path = request.Path;
            foreach (var realm in realms.Current())
            {
                if (realm.Covers(path) && !realm.Authorized(request.Header("Authorization")))
                {
                    var page = respond(request, realm.Name);
                    return new(new Response
                    {
                        Code = 401, Message = "Authorization Required", Seconds = page.Seconds, Mime = page.Mime, Output = page.Output,
                        Headers = [new Header("WWW-Authenticate", $"Basic realm=\"{realm.Name}\""), .. page.Headers],
                    });
                }
            }
            return NextDispatcher;
        };
    }

    internal sealed record PasswordRealm(string Name, Regex Path, Dictionary<string, byte[]> Users)
    {
        /// <summary>Whether the realm covers <paramref name="path"/>; a match that takes too long counts as covered (fail closed).</summary>
        public bool Covers(string path)
        {
            try
            {
                return Path.IsMatch(path);
            }
            catch (RegexMatchTimeoutException)
            {
                return true;
            }
        }

        public bool Authorized(string? authorization)
        {
            if (authorization is null || !authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
            // The header's length is the client's choice (up to the header limit, which a site may raise): stack only a little.
            var rented = authorization.Length > 512 ? System.Buffers.ArrayPool<byte>.Shared.Rent(authorization.Length) : null;
            Span<byte> decoded = rented is not null ? rented : stackalloc byte[512];
            try
            {
                if (!Convert.TryFromBase64String(authorization[6..].Trim(), decoded, out var n))
                {
                    return false;
                }
                return Matches(Encoding.UTF8.GetString(decoded[..n]));
            }
            finally
            {
                if (rented is not null)
                {
                    System.Buffers.ArrayPool<byte>.Shared.Return(rented, clearArray: true);   // it held a password
                }
            }
        }

        private bool Matches(string text)
        {
            var colon = text.IndexOf(':');
            return colon >= 0
                && Users.TryGetValue(text[..colon].ToLowerInvariant(), out var password)
                && CryptographicOperations.FixedTimeEquals(password, Encoding.UTF8.GetBytes(text[(colon + 1)..]));
        }
    }

    /// <summary>The realms of a passwords file, reloaded when its modification time changes.</summary>
    internal sealed class PasswordsFile(string path)
    {
        // One immutable snapshot, swapped whole: request threads never see a stamp with another file's realms.
        private Loaded _loaded = new(DateTime.MinValue, []);

        private sealed record Loaded(DateTime Stamp, PasswordRealm[] Realms);

        public PasswordRealm[] Current()
        {
            var stamp = File.GetLastWriteTimeUtc(path);   // a missing file reads as 1601: no realms
            var loaded = Volatile.Read(ref _loaded);
            if (stamp == loaded.Stamp)
            {
                return loaded.Realms;
            }
            var realms = File.Exists(path) ? Parse(File.ReadAllText(path), path) : [];
            Volatile.Write(ref _loaded, new Loaded(stamp, realms));
            return realms;
        }

        /// <summary>The realms <paramref name="text"/> declares.</summary>
        /// <exception cref="FormatException">It is not a passwords file; the message says where.</exception>
        internal static PasswordRealm[] Parse(string text, string source)
        {
            if (SExpression.Read(text, source) is not List<object> entries)
            {
                throw new FormatException($"{source}: a passwords file is a list of realms.");
            }
            return [.. entries.Select(entry => entry is List<object> and [string name, string pattern, .. var users]
                ? new PasswordRealm(name, PathRegex(pattern, source), Users(users, source))
                : throw new FormatException($"{source}: a realm is (\"name\" \"path-regexp\" (user \"password\") ...)."))];
        }

        private static Regex PathRegex(string pattern, string source)
        {
            try
            {
                // A bounded match time: the path is the client's, and a careless pattern must not let it spin a core.
                return new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException e)
            {
                throw new FormatException($"{source}: the path-regexp \"{pattern}\" is not a regular expression: {e.Message}", e);
            }
        }

        private static Dictionary<string, byte[]> Users(List<object> users, string source)
        {
            var result = new Dictionary<string, byte[]>();
            foreach (var u in users)
            {
                if (u is not List<object> { Count: 2 } pair || pair[1] is not string password)
                {
                    throw new FormatException($"{source}: a user is (name \"password\"), not {u}.");
                }
                if (!result.TryAdd(pair[0].ToString()!.ToLowerInvariant(), Encoding.UTF8.GetBytes(password)))
                {
                    throw new FormatException($"{source}: the user {pair[0]} appears twice in one realm.");
                }
            }
            return result;
        }
    }
}
