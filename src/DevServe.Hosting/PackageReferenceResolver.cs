using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Reflection.PortableExecutable;
using Microsoft.CodeAnalysis;

namespace DevServe.Hosting;

/// <summary>
/// Answers <c>#r "nuget: …"</c> with a stand-in (plain Roslyn would report CS0006, and a directive may resolve to one
/// file only); the package set's reference assemblies are the compilation's own references. Notes directives whose
/// package was not restored yet (they come from <c>#load</c>ed files).
/// </summary>
internal sealed class PackageReferenceResolver(MetadataReferenceResolver inner, NuGetReferences.Restore? restore, PortableExecutableReference standIn)
    : MetadataReferenceResolver
{
    // One metadata copy per file for the process: references are large native buffers (docs/design/hosting.md §1.2).
    private static readonly BoundedCache<string, PortableExecutableReference> s_files = new(capacity: 4096);

    /// <summary>The <c>#r "nuget: …"</c> texts seen that the restore did not cover.</summary>
    public ConcurrentBag<(string Reference, string? File)> Unrestored { get; } = [];

    public override bool ResolveMissingAssemblies => inner.ResolveMissingAssemblies;

    public override ImmutableArray<PortableExecutableReference> ResolveReference(string reference, string? baseFilePath, MetadataReferenceProperties properties)
    {
        if (!NuGetReferences.IsPackage(reference))
        {
            return inner.ResolveReference(reference, baseFilePath, properties);
        }
        if (restore is null || !restore.Packages.Contains(Normalize(reference)))
        {
            Unrestored.Add((reference, baseFilePath));   // the compile is redone with it restored
        }
        return [standIn];
    }

    /// <summary>"nuget: Name, 1.0" → "name/1.0", the key of a restored package.</summary>
    public static string Normalize(string reference)
        => NuGetReferences.Find($"#r \"{reference}\"", "") is [var p] ? p.Name.ToLowerInvariant() + "/" + p.Version : reference;

    /// <summary>The process's one reference to <paramref name="path"/>: a framework, DevServe or restored package file.</summary>
    public static PortableExecutableReference Reference(string path) => s_files.GetOrAdd(path, Mapped);

    // Mapped, not copied: MetadataReference.CreateFromFile copies the whole file into native memory, ~110 MB for the
    // shared frameworks on every cold start (docs/design/hosting.md §1.1). A reader over the open file maps it and
    // touches only the pages the compiler reads. What comes here is not rewritten under a running process: the
    // frameworks, DevServe, the package cache, and the #r dlls of a script being converted (read once). The file stays
    // open while its reference lives (on Windows, that keeps it from being replaced).
    private static PortableExecutableReference Mapped(string path)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize: 1);
        try
        {
#pragma warning disable CA2000 // the metadata and its open file live as long as the process's reference does
            return AssemblyMetadata.CreateFromStream(stream, PEStreamOptions.Default).GetReference(filePath: path);
#pragma warning restore CA2000
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    public override PortableExecutableReference? ResolveMissingAssembly(MetadataReference definition, AssemblyIdentity referenceIdentity)
        => inner.ResolveMissingAssembly(definition, referenceIdentity);

    public override bool Equals(object? other) => ReferenceEquals(this, other);

    public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this);
}
