//! Messages to callers (text messages and emails): checking where they go before they are
//! queued, and when a failed delivery is tried again. Delivery itself is the IO layer's.

pub mod address;
pub mod request;
pub mod retry;
