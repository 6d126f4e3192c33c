// VisibleSentinel: calls onVisible when it scrolls into view (IntersectionObserver), again
// each time `token` changes while it is still in view. The board loads more cards with it.
import { useEffect, useRef } from "react";

export function VisibleSentinel({ onVisible, token, rootMargin, children, ...props }) {
  const ref = useRef(null);
  useEffect(() => {
    const element = ref.current;
    if (!element || typeof IntersectionObserver === "undefined") return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting) && onVisible) onVisible();
      },
      { rootMargin: rootMargin || "150px" }
    );
    observer.observe(element);
    return () => observer.disconnect();
  }, [token]);
  return (
    <div ref={ref} {...props}>
      {children}
    </div>
  );
}
