using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace DevServe.Hosting;

/// <summary>
/// Remembers what the script resolver resolved. Without it every compile creates fresh metadata references, each
/// a copy of a dll in native memory: ~20 MB of churn per compile, RSS near 1 GB after a few dozen (docs/design/hosting.md §1.2).
/// </summary>
internal sealed class CachingMetadataResolver(MetadataReferenceResolver inner) : MetadataReferenceResolver
{
    private readonly ConcurrentDictionary<(string Reference, string? BaseFile), ImmutableArray<PortableExecutableReference>> _references = new();
    private readonly ConcurrentDictionary<string, PortableExecutableReference?> _missing = new();

    public override bool ResolveMissingAssemblies => inner.ResolveMissingAssemblies;

    public override ImmutableArray<PortableExecutableReference> ResolveReference(string reference, string? baseFilePath, MetadataReferenceProperties properties)
        => _references.GetOrAdd((reference, baseFilePath), key => inner.ResolveReference(key.Reference, key.BaseFile, properties));

    // Keyed by the asking dll's folder too: a missing assembly is looked for beside it, and one resolver may serve
    // several folders (a compile server's).
    public override PortableExecutableReference? ResolveMissingAssembly(MetadataReference definition, AssemblyIdentity referenceIdentity)
        => _missing.GetOrAdd(Path.GetDirectoryName((definition as PortableExecutableReference)?.FilePath) + "|" + referenceIdentity.GetDisplayName(),
            _ => inner.ResolveMissingAssembly(definition, referenceIdentity));

    public override bool Equals(object? other) => ReferenceEquals(this, other);

    public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this);
}
