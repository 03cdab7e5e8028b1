-- The catalogue: current Hyundai models with starting prices in the US (USD)
-- and Korea (KRW). Prices are indicative starting MSRPs for the demo.

-- +goose Up
INSERT INTO vehicles (id, name, model_year, body_type, powertrain, seats, summary, sort_order) VALUES
('ioniq-5',       'IONIQ 5',        2026, 'suv',       'electric', 5, 'Midsize electric crossover on the E-GMP platform with 800-volt ultra-fast charging.', 10),
('ioniq-6',       'IONIQ 6',        2026, 'sedan',     'electric', 5, 'Streamlined electric sedan built for range and a quiet cabin.', 20),
('ioniq-9',       'IONIQ 9',        2026, 'suv',       'electric', 7, 'Three-row electric SUV with lounge-like seating for seven.', 30),
('kona-electric', 'KONA Electric',  2026, 'suv',       'electric', 5, 'Compact electric SUV for city streets and weekend trips.', 40),
('kona',          'KONA',           2026, 'suv',       'gasoline', 5, 'Compact SUV with bold styling and a roomy second row.', 50),
('tucson',        'TUCSON',         2026, 'suv',       'gasoline', 5, 'Compact SUV with all-wheel drive and a wide panoramic display.', 60),
('tucson-hybrid', 'TUCSON Hybrid',  2026, 'suv',       'hybrid',   5, 'The TUCSON with a 1.6-litre turbo hybrid for long range between fills.', 70),
('santa-fe',      'SANTA FE',       2026, 'suv',       'hybrid',   7, 'Boxy three-row SUV with a terrace-like tailgate.', 80),
('palisade',      'PALISADE',       2026, 'suv',       'hybrid',   8, 'Flagship three-row SUV for families of up to eight.', 90),
('elantra',       'ELANTRA',        2026, 'sedan',     'gasoline', 5, 'Compact sedan with sharp lines and a generous warranty.', 100),
('sonata',        'SONATA',         2026, 'sedan',     'hybrid',   5, 'Midsize sedan with a hybrid option and a calm, connected cabin.', 110),
('nexo',          'NEXO',           2026, 'suv',       'hydrogen', 5, 'Hydrogen fuel-cell SUV that refuels in about five minutes.', 120);

INSERT INTO vehicle_prices (vehicle_id, market, currency, msrp) VALUES
('ioniq-5',       'US', 'USD', 42600), ('ioniq-5',       'KR', 'KRW', 52500000),
('ioniq-6',       'US', 'USD', 37850), ('ioniq-6',       'KR', 'KRW', 46950000),
('ioniq-9',       'US', 'USD', 58955), ('ioniq-9',       'KR', 'KRW', 67150000),
('kona-electric', 'US', 'USD', 32875), ('kona-electric', 'KR', 'KRW', 41420000),
('kona',          'US', 'USD', 24550), ('kona',          'KR', 'KRW', 24460000),
('tucson',        'US', 'USD', 28705), ('tucson',        'KR', 'KRW', 27290000),
('tucson-hybrid', 'US', 'USD', 33650), ('tucson-hybrid', 'KR', 'KRW', 31680000),
('santa-fe',      'US', 'USD', 34350), ('santa-fe',      'KR', 'KRW', 35460000),
('palisade',      'US', 'USD', 39435), ('palisade',      'KR', 'KRW', 43830000),
('elantra',       'US', 'USD', 22125), ('elantra',       'KR', 'KRW', 20340000),
('sonata',        'US', 'USD', 26900), ('sonata',        'KR', 'KRW', 28660000),
('nexo',          'US', 'USD', 60135), ('nexo',          'KR', 'KRW', 71440000);

INSERT INTO campaigns (market, slug, title, body, vehicle_id, starts_on, ends_on, priority) VALUES
('US', 'ioniq-5-charging', 'Charge up your winter', 'Lease a 2026 IONIQ 5 and get two years of complimentary DC fast charging at participating networks.', 'ioniq-5', '2026-11-01', '2027-01-31', 30),
('US', 'palisade-family', 'Room for everyone', 'The all-new PALISADE Hybrid seats up to eight. Book a test drive and bring the whole family.', 'palisade', '2026-10-01', '2027-03-31', 20),
('US', 'tucson-hybrid-apr', 'TUCSON Hybrid special financing', 'Qualified buyers get low-rate financing on the 2026 TUCSON Hybrid. See your dealer for details.', 'tucson-hybrid', '2026-11-01', '2027-01-05', 10),
('KR', 'ioniq-9-launch', '아이오닉 9 출시 기념', '7인승 대형 전기 SUV 아이오닉 9을 가까운 전시장에서 만나보세요. 시승 신청 고객께 충전 크레딧을 드립니다.', 'ioniq-9', '2026-11-01', '2027-01-31', 30),
('KR', 'kona-electric-home', '도심 속 전기차 생활', '코나 일렉트릭 구매 고객께 홈 충전기 설치를 지원합니다.', 'kona-electric', '2026-10-15', '2027-02-28', 20),
('KR', 'nexo-hydrogen', '수소 전기차 넥쏘', '넥쏘 시승 후 구매 시 수소 충전 바우처를 드립니다.', 'nexo', '2026-11-01', '2027-03-31', 10);

-- +goose Down
DELETE FROM campaigns;
DELETE FROM vehicle_prices;
DELETE FROM vehicles;
