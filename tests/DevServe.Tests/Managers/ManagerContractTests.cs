namespace DevServe.Tests;

/// <summary>What every manager that keeps continuations promises (Racket's manager interface).</summary>
public abstract class ManagerContractTests
{
    protected abstract IManager CreateManager();

    [Fact]
    public void A_stored_continuation_is_found_with_its_salt_only()
    {
        var manager = CreateManager();
        var instance = manager.CreateInstance();
        Assert.True(manager.TryStore(instance, "k", out var id, out var salt));
        Assert.NotEqual(0UL, salt);
        Assert.True(manager.TryLookup(instance, id, salt, out var found));
        Assert.Equal("k", found);
        Assert.True(manager.TryPeek(instance, id, salt, out _));
        Assert.False(manager.TryLookup(instance, id, salt ^ 1, out _));
        Assert.False(manager.TryLookup(instance + 1000, id, salt, out _));
        Assert.False(manager.TryLookup(instance, id + 1000, salt, out _));
    }

    [Fact]
    public void Salts_differ_and_instances_are_distinct()
    {
        var manager = CreateManager();
        var a = manager.CreateInstance();
        var b = manager.CreateInstance();
        Assert.NotEqual(a, b);
        var salts = Enumerable.Range(0, 100).Select(_ => { manager.TryStore(a, "k", out long _, out var s); return s; }).ToHashSet();
        Assert.Equal(100, salts.Count);
    }

    [Fact]
    public void Clearing_an_instance_forgets_its_continuations_only()
    {
        var manager = CreateManager();
        var a = manager.CreateInstance();
        var b = manager.CreateInstance();
        manager.TryStore(a, "a", out var ida, out var sa);
        manager.TryStore(b, "b", out var idb, out var sb);
        manager.ClearContinuations(a);
        Assert.False(manager.TryLookup(a, ida, sa, out _));
        Assert.True(manager.TryLookup(b, idb, sb, out _));
    }
}

public sealed class ThresholdLruManagerContractTests : ManagerContractTests
{
    protected override IManager CreateManager() => new ThresholdLruManager();
}

public sealed class TimeoutManagerContractTests : ManagerContractTests
{
    protected override IManager CreateManager() => new TimeoutManager(null, TimeSpan.FromHours(1), TimeSpan.FromHours(1));
}
