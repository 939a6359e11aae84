//! HSDS pages: `total_items`, `total_pages`, `page_number`, `size`, `first_page`, `last_page`,
//! `empty` and the `contents`, pages numbered from 1.

use crate::hsds::Page;
use crate::projections::index::{PageRequest, SearchResults};

/// The page of an index search, each hit rendered.
pub(super) fn of_results<T, U>(results: &SearchResults<T>, render: impl FnMut(&T) -> U) -> Page<U> {
    let contents = results.hits.iter().map(render).collect();
    page(results.total, results.page, contents)
}

/// The requested page of `items`, all of which matched, each rendered.
pub(super) fn of_all<T, U>(
    items: Vec<T>,
    request: PageRequest,
    render: impl FnMut(T) -> U,
) -> Page<U> {
    let total = items.len();
    let size = request.size.max(1) as usize;
    let skip = (request.number.max(1) as usize - 1).saturating_mul(size);
    let contents = items
        .into_iter()
        .skip(skip)
        .take(size)
        .map(render)
        .collect();
    page(total, request, contents)
}

fn page<U>(total: usize, request: PageRequest, contents: Vec<U>) -> Page<U> {
    let total_pages = total.div_ceil(request.size.max(1) as usize).max(1) as u64;
    let number = u64::from(request.number.max(1));
    Page {
        total_items: total as u64,
        total_pages,
        page_number: number,
        size: contents.len() as u64,
        first_page: number == 1,
        last_page: number >= total_pages,
        empty: total == 0,
        contents,
    }
}

#[cfg(test)]
mod tests {
    use super::of_all;
    use crate::projections::index::PageRequest;

    #[test]
    fn pages_say_where_they_are() {
        let page = of_all((1..=5).collect(), PageRequest { number: 2, size: 2 }, |n| n);
        assert_eq!(page.contents, [3, 4]);
        assert_eq!((page.total_items, page.total_pages, page.size), (5, 3, 2));
        assert!(!page.first_page && !page.last_page && !page.empty);
        let last = of_all((1..=5).collect(), PageRequest { number: 3, size: 2 }, |n| n);
        assert_eq!(last.contents, [5]);
        assert!(last.last_page);
        let none = of_all(Vec::<u8>::new(), PageRequest::default(), |n| n);
        assert!(none.empty && none.first_page && none.last_page);
        assert_eq!(none.total_pages, 1);
    }
}
