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
                if (realm.Path.IsMatch(path) && !realm.Authorized(request.Header("Authorization")))
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

    private sealed record PasswordRealm(string Name, Regex Path, Dictionary<string, byte[]> Users)
    {
        public bool Authorized(string? authorization)
        {
            if (authorization is null || !authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
            Span<byte> decoded = stackalloc byte[authorization.Length];
            if (!Convert.TryFromBase64String(authorization[6..].Trim(), decoded, out var n))
            {
                return false;
            }
            var text = Encoding.UTF8.GetString(decoded[..n]);
            var colon = text.IndexOf(':');
            return colon >= 0
                && Users.TryGetValue(text[..colon].ToLowerInvariant(), out var password)
                && CryptographicOperations.FixedTimeEquals(password, Encoding.UTF8.GetBytes(text[(colon + 1)..]));
        }
    }

    /// <summary>The realms of a passwords file, reloaded when its modification time changes.</summary>
    private sealed class PasswordsFile(string path)
    {
        private (DateTime Stamp, PasswordRealm[] Realms) _loaded = (DateTime.MinValue, []);

        public PasswordRealm[] Current()
        {
            var stamp = File.GetLastWriteTimeUtc(path);   // a missing file reads as 1601: no realms
            var loaded = _loaded;
            if (stamp == loaded.Stamp)
            {
                return loaded.Realms;
            }
            var realms = File.Exists(path) ? Parse(File.ReadAllText(path), path) : [];
            _loaded = (stamp, realms);
            return realms;
        }

        private static PasswordRealm[] Parse(string text, string source)
        {
            if (SExpression.Read(text, source) is not List<object> entries)
            {
                throw new FormatException($"{source}: a passwords file is a list of realms.");
            }
            return [.. entries.Select(entry => entry is List<object> and [string name, string pattern, .. var users]
                ? new PasswordRealm(name, new Regex(pattern, RegexOptions.CultureInvariant),
                    users.Select(u => u is List<object> and [var user, string password]
                            ? (User: user.ToString()!.ToLowerInvariant(), Password: Encoding.UTF8.GetBytes(password))
                            : throw new FormatException($"{source}: a user is (name \"password\"), not {u}."))
                        .ToDictionary(u => u.User, u => u.Password))
                : throw new FormatException($"{source}: a realm is (\"name\" \"path-regexp\" (user \"password\") ...)."))];
        }
    }
}
