using DevServe.Hosting;

namespace DevServe.Tests;

public sealed class BoundedCacheTests
{
    [Fact]
    public void A_bounded_cache_never_holds_more_than_its_capacity_and_keeps_answering()
    {
        var cache = new BoundedCache<int, string>(capacity: 16);
        for (var i = 0; i < 1000; i++)
        {
            Assert.Equal("v" + i, cache.GetOrAdd(i, k => "v" + k));
            Assert.InRange(cache.Count, 1, 16);
        }
        var made = 0;
        Assert.Equal("v999", cache.GetOrAdd(999, k => { made++; return "again"; }));
        Assert.Equal(0, made);   // a present key is not made again
    }
}
