using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace DevServe.Hosting;

/// <summary>
/// Compiled scripts on disk, keyed by a hash of the script's path and text and of DevServe's own build, so an
/// unchanged script starts without loading the compiler at all. Each entry lists every source it was compiled
/// from (the script and its <c>#load</c>s) with their hashes; any change misses.
/// </summary>
/// <remarks>
/// The directory is <see cref="ServletHostOptions.CacheDirectory"/>. A broken or foreign entry is a miss, never an error.
/// </remarks>
internal sealed class ScriptCache(string directory)
{
    /// <summary>An entry's description: its factory (a script's) or none (an app's), its sources' hashes, what its context loads.</summary>
    internal sealed record Entry(string TypeName, string MethodName, Dictionary<string, string> Sources,
        Dictionary<string, string>? Assemblies = null, Dictionary<string, string>? Natives = null, string? Kind = null);

    // An entry's files, the entry itself last: renamed in this order, a reader never sees an entry whose assembly is not complete.
    private static readonly string[] s_files = [".dll", ".pdb", ".json"];

    /// <summary>The kind of an entry that holds a <c>.cs</c> app (its <c>Start</c> is found again, no top level runs); scripts have none.</summary>
    public const string AppKind = "app";

    /// <summary>
    /// This DevServe build (DevServe's and DevServe.Hosting's module ids): every key names it, so an entry compiled
    /// against another build never loads, and a compile server serves only its own build (<see cref="CompileServer.Build"/>).
    /// </summary>
    public static string Build { get; } = typeof(Request).Assembly.ManifestModule.ModuleVersionId + "|" + typeof(ScriptCache).Assembly.ManifestModule.ModuleVersionId;

    public static string Key(string path, string text) => Hash(Build + "|" + path + "|" + text);

    public static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>Whether an entry for <paramref name="key"/> is there (it may still miss: a source changed).</summary>
    public bool Has(string key) => File.Exists(Path.Combine(directory, key + ".json"));

    /// <summary>Loads a cached compile of the script if every source is unchanged.</summary>
    public async Task<CompiledScript?> TryLoadAsync(string path, string key)
    {
        try
        {
            var json = Path.Combine(directory, key + ".json");
            if (!File.Exists(json))
            {
                return null;
            }
            var entry = JsonSerializer.Deserialize(await File.ReadAllTextAsync(json).ConfigureAwait(false), HostingJson.Default.Entry);
            if (entry is null)
            {
                return null;
            }
            foreach (var (source, hash) in entry.Sources)
            {
                if (!File.Exists(source) || Hash(await File.ReadAllTextAsync(source).ConfigureAwait(false)) != hash)
                {
                    return null;
                }
            }
            var context = new ScriptLoadContext("devserve-script-cached-" + key[..8], entry.Assemblies ?? [], entry.Natives ?? []);
            if (context.ReferenceFiles.Values.Concat(context.Natives.Values).Any(f => !File.Exists(f)))
            {
                return null;   // a package folder was cleaned: restore and compile again
            }
            try
            {
                Assembly assembly;
                using (var pe = File.OpenRead(Path.Combine(directory, key + ".dll")))
                using (var pdb = File.OpenRead(Path.Combine(directory, key + ".pdb")))
                {
                    assembly = context.LoadFromStream(pe, pdb);
                }
                if (entry.Kind == AppKind)
                {
                    return CompiledScript.Succeeded(path, [.. entry.Sources.Keys], ScriptStart.Of(FileAppCompiler.StartIn(assembly)), context);
                }
                if (assembly.GetType(entry.TypeName)?.GetMethod(entry.MethodName) is not { } factory)
                {
                    context.Unload();
                    return null;   // a damaged entry, not the script's error
                }
                (Func<Request, Task<Response>> Start, IReadOnlyList<string> StaticRoots) ran;
                try
                {
                    ran = await ScriptCompiler.RunAsync(path, factory).ConfigureAwait(false);
                }
#pragma warning disable CA1031 // the script's own exception, whatever it is: its error page, as a compile here would give
                catch (Exception e)
#pragma warning restore CA1031
                {
                    context.Unload();
                    if (Stale(e))
                    {
                        return null;   // compiled against a dll that has changed since (a rebuilt #r): compile again
                    }
                    // An entry a compile server wrote has not run before: its top level ran once now, and that is the page.
                    return CompiledScript.Failed(path, [.. entry.Sources.Keys], [ScriptCompiler.RunError(path, e)]);
                }
                return CompiledScript.Succeeded(path, [.. entry.Sources.Keys], ran.Start, context, staticRoots: ran.StaticRoots);
            }
            catch
            {
                context.Unload();
                throw;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or BadImageFormatException
            or InvalidCastException or NullReferenceException or TargetInvocationException or FileLoadException or InvalidOperationException)
        {
            return null;   // a stale or damaged entry: compile instead
        }
    }

    // What a stale entry throws as it runs: the metadata it was compiled against is not what loads now.
    private static bool Stale(Exception e)
        => (e is TargetInvocationException { InnerException: { } inner } ? inner : e)
            is TypeLoadException or MissingMemberException or FileLoadException or BadImageFormatException;   // not FileNotFoundException: scripts throw it

    /// <summary>
    /// Stores a successful compile; it never throws: failures to write are ignored (the cache is an optimisation). <paramref name="compiled"/>
    /// holds the hashes of the texts the compile read, by file: a file saved during the compile must not be taken for
    /// them (other sources are hashed as they are now).
    /// </summary>
    public async Task StoreAsync(string key, byte[] pe, byte[] pdb, string typeName, string methodName, IReadOnlyList<string> sources,
        ScriptLoadContext context, IReadOnlyDictionary<string, string> compiled, string? kind = null)
    {
        string? temp = null;
        try
        {
            Directory.CreateDirectory(directory);
            var hashes = new Dictionary<string, string>();
            foreach (var source in sources)
            {
                hashes[source] = compiled.TryGetValue(source, out var hash) ? hash : Hash(await File.ReadAllTextAsync(source).ConfigureAwait(false));
            }
            // Each file is written whole under a name of its own, then renamed: two stores of one key (a compile server
            // asked by several nodes at once) never write into the same file.
            temp = "." + Guid.NewGuid().ToString("N");
            await File.WriteAllBytesAsync(Path.Combine(directory, key + ".dll" + temp), pe).ConfigureAwait(false);
            await File.WriteAllBytesAsync(Path.Combine(directory, key + ".pdb" + temp), pdb).ConfigureAwait(false);
            await File.WriteAllTextAsync(Path.Combine(directory, key + ".json" + temp), JsonSerializer.Serialize(new Entry(typeName, methodName, hashes,
                new(context.ReferenceFiles), new(context.Natives), kind), HostingJson.Default.Entry)).ConfigureAwait(false);
            foreach (var extension in s_files)
            {
                File.Move(Path.Combine(directory, key + extension + temp), Path.Combine(directory, key + extension), overwrite: true);
            }
        }
#pragma warning disable CA1031 // whatever fails, the next start compiles; a reload swaps its version in before this ends and must not fail after
        catch (Exception)
#pragma warning restore CA1031
        {
            foreach (var extension in temp is null ? [] : s_files)
            {
                try
                {
                    File.Delete(Path.Combine(directory, key + extension + temp));
                }
                catch (Exception again) when (again is IOException or UnauthorizedAccessException)
                {
                }
            }
        }
    }
}
