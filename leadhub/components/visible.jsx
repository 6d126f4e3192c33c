// VisibleSentinel: calls onVisible when it scrolls into view (IntersectionObserver), again
// each time `token` changes while it is still in view. The board loads more cards with it.
// A sighting is checked again two frames later, once the page has laid out: right after a
// render the marker can be seen for a moment above cards that have not taken their height
// yet, and answering that would load a page the rep never scrolled to.
import { useEffect, useRef } from "react";

function inView(element, margin) {
  const rect = element.getBoundingClientRect();
  if (rect.width === 0 && rect.height === 0) return false;
  let low = -margin, high = window.innerHeight + margin;
  for (let node = element.parentElement; node; node = node.parentElement) {
    const style = getComputedStyle(node);
    if (/(auto|scroll|hidden)/.test(style.overflowY)) {
      const box = node.getBoundingClientRect();
      low = Math.max(low, box.top - margin);
      high = Math.min(high, box.bottom + margin);
    }
  }
  return rect.bottom >= low && rect.top <= high;
}

export function VisibleSentinel({ onVisible, token, rootMargin, children, ...props }) {
  const ref = useRef(null);
  useEffect(() => {
    const element = ref.current;
    if (!element || typeof IntersectionObserver === "undefined") return;
    const margin = parseInt(rootMargin || "150px", 10) || 0;
    let frame = 0;
    const observer = new IntersectionObserver(
      (entries) => {
        if (!entries.some((entry) => entry.isIntersecting) || !onVisible) return;
        cancelAnimationFrame(frame);
        frame = requestAnimationFrame(() => {
          frame = requestAnimationFrame(() => {
            if (inView(element, margin)) onVisible();
          });
        });
      },
      { rootMargin: `${margin}px` }
    );
    observer.observe(element);
    return () => {
      cancelAnimationFrame(frame);
      observer.disconnect();
    };
  }, [token]);
  return (
    <div ref={ref} {...props}>
      {children}
    </div>
  );
}
